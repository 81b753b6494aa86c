#include "core/taxonomy/text_lines.h"

#include <cctype>
#include <fstream>

namespace taxoscope::core {

std::string_view trim_view(std::string_view text) {
    const size_t begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) {
        return {};
    }
    const size_t end = text.find_last_not_of(" \t\r");
    return text.substr(begin, end - begin + 1);
}

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t begin = 0;
    while (true) {
        const size_t tab = line.find('\t', begin);
        fields.push_back(trim_view(line.substr(begin, tab - begin)));
        if (tab == std::string_view::npos) {
            return fields;
        }
        begin = tab + 1;
    }
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& ch : out) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return out;
}

Result<std::string> read_text_file(const std::filesystem::path& path, std::string_view what) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(ErrorCode::NotFound,
                    std::string(what) + " " + path.string() + " does not exist");
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
    if (size < 0) {
        return fail(ErrorCode::Io, "cannot open " + std::string(what) + " " + path.string());
    }
    std::string text(static_cast<size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(text.data(), size)) {
        return fail(ErrorCode::Io, "cannot read " + std::string(what) + " " + path.string());
    }
    return text;
}

}  // namespace taxoscope::core
