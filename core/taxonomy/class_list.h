// Class lists: which WordNet synsets are a dataset's classes, in label order.
//
// Accepted text (docs/taxonomy.md): '#' comments and blank lines are skipped; either a TSV whose
// header has a `wnid` column (optional `name`, and `index` or `label` that must count 0, 1, ...),
// or one class per line: a wnid, then optionally whitespace and a display name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

struct ClassListEntry {
    std::string wnid;
    std::string name;  // may be empty
    int line = 0;      // 1-based line in the source, for errors
};

// Also what a dataset's labels mean (label i = entries[i]); datasets whose classes carry no
// WordNet id (folders named by class, numeric labels) leave `wnid` empty.
struct ClassList {
    std::string name;    // "imagenet1k", "fashion-mnist", "folders", or the file name
    std::string origin;  // what errors call the source: a path or "built-in class set imagenet1k"
    std::vector<ClassListEntry> entries;  // class index = position

    size_t size() const { return entries.size(); }
    bool empty() const { return entries.empty(); }
    // The index of a wnid, else of a name (exact, then ignoring case).
    std::optional<int64_t> find(const std::string& wnid_or_name) const;
};

Result<ClassList> parse_class_list(std::string_view text, std::string name, std::string origin);
Result<ClassList> read_class_list_file(const std::filesystem::path& path);

// The class sets compiled into taxoscope ("imagenet1k", "fashion-mnist").
std::vector<std::string> builtin_class_list_names();
Result<ClassList> builtin_class_list(std::string_view name);

// A built-in name, else a file path.
Result<ClassList> resolve_class_list(std::string_view name_or_path);

}  // namespace taxoscope::core
