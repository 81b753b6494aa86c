// The classes of a dataset, in label order: label i is classes[i].
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

struct ClassEntry {
    std::string wnid;  // WordNet noun synset id "n01440764"; empty when unknown
    std::string name;  // human-readable "tench"
};

struct ClassList {
    std::string set_name;  // "imagenet1k", "fashion-mnist", "folders", a file name, ...
    std::vector<ClassEntry> classes;

    size_t size() const { return classes.size(); }
    bool empty() const { return classes.empty(); }
    // Matches a wnid first, then a name (exact, then case-insensitive).
    std::optional<int64_t> find(const std::string& wnid_or_name) const;
};

// A TSV file with a header naming its columns: `wnid` and/or `name` (an `index` column, when
// present, must count 0, 1, 2, ...). /work/shared/data/imagenet1k_classes.tsv is one.
Result<ClassList> read_class_list_tsv(const std::filesystem::path& path);

}  // namespace taxoscope::core
