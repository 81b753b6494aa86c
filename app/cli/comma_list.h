// "a,b,,c" -> {"a", "b", "c"}: the value of list options (--layers, --lch).
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace taxoscope::cli {

inline std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty()) {
            out.push_back(item);
        }
    }
    return out;
}

}  // namespace taxoscope::cli
