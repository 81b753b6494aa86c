#include "core/store/image_table.h"

#include <fstream>

#include "core/store/atomic_file.h"

namespace taxoscope::core {
namespace {

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescape(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            const char next = text[++i];
            out += next == 't' ? '\t' : next == 'n' ? '\n' : next;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool parse_int(const std::string& text, int64_t& out) {
    try {
        size_t used = 0;
        out = std::stoll(text, &used);
        return used == text.size();
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

std::string image_table_header() {
    return "index\tpath\tlabel\tsplit\n";
}

std::string format_image_record(const ImageRecord& r) {
    return std::to_string(r.index) + '\t' + escape(r.path) + '\t' + std::to_string(r.label) + '\t' +
           escape(r.split) + '\n';
}

Result<std::vector<ImageRecord>> read_image_table(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(ErrorCode::NotFound, path.string() + ": cannot be opened for reading");
    }
    std::string line;
    if (!std::getline(in, line) || line + "\n" != image_table_header()) {
        return fail(ErrorCode::Parse,
                    path.string() + ":1: expected the header 'index<TAB>path<TAB>label<TAB>split'");
    }
    std::vector<ImageRecord> records;
    int number = 1;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = path.string() + ":" + std::to_string(number);
        std::vector<std::string> fields;
        size_t start = 0;
        for (size_t tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
            fields.push_back(line.substr(start, tab - start));
            start = tab + 1;
        }
        fields.push_back(line.substr(start));
        ImageRecord r;
        if (fields.size() != 4 || !parse_int(fields[0], r.index) ||
            !parse_int(fields[2], r.label)) {
            return fail(ErrorCode::Parse, where + ": expected index, path, label, split");
        }
        if (r.index != static_cast<int64_t>(records.size())) {
            return fail(ErrorCode::Parse, where + ": index " + fields[0] + " should be " +
                                              std::to_string(records.size()));
        }
        r.path = unescape(fields[1]);
        r.split = unescape(fields[3]);
        records.push_back(std::move(r));
    }
    return records;
}

Result<void> write_image_table(const std::filesystem::path& path,
                               const std::vector<ImageRecord>& records) {
    std::string text = image_table_header();
    for (const auto& r : records) {
        text += format_image_record(r);
    }
    return write_file_atomic(path, text);
}

}  // namespace taxoscope::core
