// images.tsv: one row per activation row — which image it came from, its label and split.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

struct ImageRecord {
    int64_t index = 0;   // row in every activations/<layer>.npy
    std::string path;    // a file path, or "fashion-mnist:<split>:<n>" (see core/data/image_ref.h)
    int64_t label = -1;  // class index into the workspace's class list; -1 when unlabelled
    std::string split;   // "train", "val", "test" or empty
};

// "index\tpath\tlabel\tsplit\n"
std::string image_table_header();
// One line with '\n'; tabs, newlines and backslashes in paths are escaped as \t \n \\.
std::string format_image_record(const ImageRecord& record);

// Checks the header and that indices count 0, 1, 2, ...
Result<std::vector<ImageRecord>> read_image_table(const std::filesystem::path& path);
Result<void> write_image_table(const std::filesystem::path& path,
                               const std::vector<ImageRecord>& records);

}  // namespace taxoscope::core
