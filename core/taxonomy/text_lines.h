// Small helpers shared by the line-oriented taxonomy formats (class lists, custom TSV).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

// Without leading and trailing spaces, tabs and carriage returns.
std::string_view trim_view(std::string_view text);

// Tab-separated fields, each trimmed.
std::vector<std::string_view> split_tabs(std::string_view line);

std::string ascii_lower(std::string_view text);

// The whole file; `what` names it in errors ("class list").
Result<std::string> read_text_file(const std::filesystem::path& path, std::string_view what);

// Calls f(line_number, line) for every line (1-based, '\r' stripped); stops when f returns false.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
    size_t begin = 0;
    int number = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(begin, end - begin);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (!f(++number, line)) {
            return;
        }
        begin = end + 1;
    }
}

}  // namespace taxoscope::core
