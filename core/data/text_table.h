// Small delimited text tables (TSV/CSV manifests, class lists) with a header row.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

struct TextTable {
    struct Row {
        int line = 0;  // 1-based line in the file, for messages
        std::vector<std::string> fields;
    };
    std::vector<std::string> header;
    std::vector<Row> rows;

    // Column index by exact header name, or -1.
    int column(const std::string& name) const;
};

// Splits one line. CSV (',') honours double quotes ("a, b" and "" for a quote); TSV does not.
std::vector<std::string> split_fields(const std::string& line, char delimiter);

// Reads a whole table; every row must have as many fields as the header. Blank lines and a
// UTF-8 byte-order mark are ignored; '\r' line ends are accepted.
Result<TextTable> read_text_table(const std::filesystem::path& path, char delimiter);

}  // namespace taxoscope::core
