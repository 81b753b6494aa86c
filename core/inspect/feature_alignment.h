// The two per-feature alignment tensors of analysis/<layer>.safetensors that `inspect` prints
// next to each feature: its best taxonomy node and that node's detection F1.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

struct FeatureAlignment {
    std::vector<int32_t> best_node;  // [D] index into the workspace's taxonomy.json
    std::vector<float> best_f1;      // [D]
};

// Reads `best_node [D] int32` and `best_f1 [D] float32`; errors name the file and tensor when
// either is missing, of another dtype, or not [d_sae].
Result<FeatureAlignment> read_feature_alignment(const std::filesystem::path& path, int64_t d_sae);

}  // namespace taxoscope::core
