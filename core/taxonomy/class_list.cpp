#include "core/taxonomy/class_list.h"

#include <algorithm>
#include <cctype>

#include <unordered_map>

#include "core/taxonomy/embedded_class_sets.h"
#include "core/taxonomy/text_lines.h"
#include "core/taxonomy/wordnet_nouns.h"

namespace taxoscope::core {
namespace {

struct Columns {
    int wnid = -1;
    int name = -1;
    int index = -1;
};

bool is_skipped(std::string_view line) {
    const std::string_view t = trim_view(line);
    return t.empty() || t[0] == '#';
}

std::string known_names() {
    std::string known;
    for (const auto& set : embedded_class_sets()) {
        known += (known.empty() ? "" : ", ") + std::string(set.name);
    }
    return known;
}

}  // namespace

Result<ClassList> parse_class_list(std::string_view text, std::string name, std::string origin) {
    ClassList list;
    list.name = std::move(name);
    list.origin = std::move(origin);
    std::optional<Columns> columns;  // set when the first line is a TSV header
    bool first = true;
    std::unordered_map<std::string, int> seen;  // wnid -> line
    std::optional<Error> error;
    const auto at = [&](int line) { return list.origin + " line " + std::to_string(line) + ": "; };

    for_each_line(text, [&](int line_no, std::string_view line) {
        if (is_skipped(line)) {
            return true;
        }
        const auto fields = split_tabs(line);
        if (first) {
            first = false;
            Columns c;
            for (size_t i = 0; i < fields.size(); ++i) {
                const std::string key = ascii_lower(fields[i]);
                if (key == "wnid") {
                    c.wnid = static_cast<int>(i);
                } else if (key == "name") {
                    c.name = static_cast<int>(i);
                } else if (key == "index" || key == "label") {
                    c.index = static_cast<int>(i);
                }
            }
            if (c.wnid >= 0) {
                columns = c;
                return true;
            }
        }
        ClassListEntry entry;
        entry.line = line_no;
        if (columns) {
            const auto field = [&](int i) {
                return i >= 0 && static_cast<size_t>(i) < fields.size()
                           ? fields[static_cast<size_t>(i)]
                           : std::string_view{};
            };
            entry.wnid = std::string(field(columns->wnid));
            entry.name = std::string(field(columns->name));
            if (columns->index >= 0) {
                const std::string expected = std::to_string(list.entries.size());
                if (field(columns->index) != expected) {
                    error =
                        Error{ErrorCode::Parse,
                              at(line_no) + "class index '" + std::string(field(columns->index)) +
                                  "' should be " + expected + " (rows must be in label order)"};
                    return false;
                }
            }
        } else {
            const std::string_view t = trim_view(line);
            const size_t space = t.find_first_of(" \t");
            entry.wnid = std::string(t.substr(0, space));
            if (space != std::string_view::npos) {
                entry.name = std::string(trim_view(t.substr(space)));
            }
        }
        if (!parse_wnid(entry.wnid)) {
            error = Error{ErrorCode::Parse, at(line_no) + "'" + entry.wnid +
                                                "' is not a WordNet noun id (n and 8 digits)"};
            return false;
        }
        const auto [it, inserted] = seen.emplace(entry.wnid, line_no);
        if (!inserted) {
            error =
                Error{ErrorCode::Parse, at(line_no) + entry.wnid + " is already listed on line " +
                                            std::to_string(it->second)};
            return false;
        }
        list.entries.push_back(std::move(entry));
        return true;
    });
    if (error) {
        return fail(*error);
    }
    if (list.entries.empty()) {
        return fail(ErrorCode::Parse, list.origin + " lists no classes");
    }
    return list;
}

namespace {

bool equal_ignoring_case(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::optional<int64_t> ClassList::find(const std::string& key) const {
    for (size_t i = 0; i < entries.size(); ++i) {
        if (!entries[i].wnid.empty() && entries[i].wnid == key) {
            return static_cast<int64_t>(i);
        }
    }
    for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].name == key) {
            return static_cast<int64_t>(i);
        }
    }
    for (size_t i = 0; i < entries.size(); ++i) {
        if (equal_ignoring_case(entries[i].name, key)) {
            return static_cast<int64_t>(i);
        }
    }
    return std::nullopt;
}

Result<ClassList> read_class_list_file(const std::filesystem::path& path) {
    auto text = read_text_file(path, "class list");
    if (!text) {
        return fail(text.error());
    }
    return parse_class_list(*text, path.filename().string(), path.string());
}

std::vector<std::string> builtin_class_list_names() {
    std::vector<std::string> names;
    for (const auto& set : embedded_class_sets()) {
        names.emplace_back(set.name);
    }
    return names;
}

Result<ClassList> builtin_class_list(std::string_view name) {
    for (const auto& set : embedded_class_sets()) {
        if (set.name == name) {
            return parse_class_list(set.text, std::string(name),
                                    "built-in class set " + std::string(name));
        }
    }
    return fail(ErrorCode::NotFound,
                "no built-in class set '" + std::string(name) + "' (known: " + known_names() + ")");
}

Result<ClassList> resolve_class_list(std::string_view name_or_path) {
    for (const auto& set : embedded_class_sets()) {
        if (set.name == name_or_path) {
            return builtin_class_list(name_or_path);
        }
    }
    std::error_code ec;
    const std::filesystem::path path{std::string(name_or_path)};
    if (!std::filesystem::exists(path, ec)) {
        return fail(ErrorCode::NotFound, "'" + std::string(name_or_path) +
                                             "' is neither a built-in class set (" + known_names() +
                                             ") nor an existing file");
    }
    return read_class_list_file(path);
}

}  // namespace taxoscope::core
