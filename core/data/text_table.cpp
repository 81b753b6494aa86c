#include "core/data/text_table.h"

#include <fstream>

namespace taxoscope::core {

int TextTable::column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

std::vector<std::string> split_fields(const std::string& line, char delimiter) {
    std::vector<std::string> fields;
    std::string current;
    bool quoted = false;
    const bool csv = delimiter == ',';
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (csv && c == '"') {
            if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
                current += '"';
                ++i;
            } else {
                quoted = !quoted;
            }
        } else if (c == delimiter && !quoted) {
            fields.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    fields.push_back(std::move(current));
    return fields;
}

Result<TextTable> read_text_table(const std::filesystem::path& path, char delimiter) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(ErrorCode::NotFound, path.string() + ": cannot be opened for reading");
    }
    TextTable table;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) {
            line.erase(0, 3);
        }
        if (line.empty()) {
            continue;
        }
        auto fields = split_fields(line, delimiter);
        if (table.header.empty()) {
            table.header = std::move(fields);
            continue;
        }
        if (fields.size() != table.header.size()) {
            return fail(ErrorCode::Parse, path.string() + ":" + std::to_string(number) +
                                              ": expected " + std::to_string(table.header.size()) +
                                              " fields like the header, found " +
                                              std::to_string(fields.size()));
        }
        table.rows.push_back({number, std::move(fields)});
    }
    if (table.header.empty()) {
        return fail(ErrorCode::Parse, path.string() + ": the file is empty (no header row)");
    }
    return table;
}

}  // namespace taxoscope::core
