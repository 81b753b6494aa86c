// Float arrays from .npy files and their comparison, for tests that check codes against
// reference values written by another program.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "core/store/npy_file.h"

namespace taxoscope::test {

// The float32 contents of an .npy file; empty when it is missing or of another dtype.
inline std::vector<float> read_float_npy(const std::filesystem::path& path) {
    auto file = core::NpyFile::open(path);
    if (!file || file->header().dtype != core::DType::F32) {
        return {};
    }
    const core::TensorView v = file->view();
    return std::vector<float>(v.as<float>(), v.as<float>() + v.numel());
}

// Largest |a_i - b_i|; huge when the sizes differ or nothing was read.
inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty()) {
        return 1e30;
    }
    double worst = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    }
    return worst;
}

}  // namespace taxoscope::test
