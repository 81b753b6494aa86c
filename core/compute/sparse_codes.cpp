#include "core/compute/sparse_codes.h"

#include <algorithm>

#include <ATen/Parallel.h>

#include "core/compute/simd_clones.h"

namespace taxoscope::core {
namespace {

// Chunks short enough that a chunk without a non-zero code, the common case, costs one
// vectorised compare-and-count.
constexpr int64_t kChunk = 16;

}  // namespace

TAXOSCOPE_SIMD_CLONES
int64_t compact_nonzero(const float* z, int64_t n, int32_t* feature, float* value) {
    int64_t at = 0;
    for (int64_t j0 = 0; j0 < n; j0 += kChunk) {
        const int64_t j1 = std::min(j0 + kChunk, n);
        int hits = 0;
        for (int64_t j = j0; j < j1; ++j) {
            hits += z[j] != 0.0f ? 1 : 0;
        }
        if (hits == 0) {
            continue;
        }
        // At a few percent density the kept codes are unpredictable: no branch per code.
        for (int64_t j = j0; j < j1; ++j) {
            feature[at] = static_cast<int32_t>(j);
            value[at] = z[j];
            at += z[j] != 0.0f ? 1 : 0;
        }
    }
    return at;
}

int64_t SparseCodes::lower_bound(int64_t i, int64_t j) const {
    const int32_t* begin = feature.data() + row_start[static_cast<size_t>(i)];
    const int32_t* end = feature.data() + row_start[static_cast<size_t>(i) + 1];
    return std::lower_bound(begin, end, j) - feature.data();
}

std::pair<int64_t, int64_t> SparseCodes::entries_of(int64_t i, int64_t begin, int64_t end) const {
    if (begin <= 0 && end >= d_sae) {
        return {row_start[static_cast<size_t>(i)], row_start[static_cast<size_t>(i) + 1]};
    }
    return {lower_bound(i, begin), lower_bound(i, end)};
}

void gather_nonzero_codes(const EncodedBlock& block, SparseCodes& out) {
    out.first_row = block.first_row;
    out.rows = block.rows;
    out.d_sae = block.d_sae;
    out.row_start.assign(static_cast<size_t>(block.rows) + 1, 0);
    const int64_t d = block.d_sae;
    // One pass over the dense block: each thread compacts its rows into its own buffers, which
    // are then concatenated in row order.
    const int threads = std::max(1, at::get_num_threads());
    std::vector<std::vector<int32_t>> features(static_cast<size_t>(threads));
    std::vector<std::vector<float>> values(static_cast<size_t>(threads));
    std::vector<int64_t> range_begin(static_cast<size_t>(threads) + 1, block.rows);
    at::parallel_for(0, threads, 1, [&](int64_t t_begin, int64_t t_end) {
        for (int64_t t = t_begin; t < t_end; ++t) {
            const int64_t begin = block.rows * t / threads;
            const int64_t end = block.rows * (t + 1) / threads;
            range_begin[static_cast<size_t>(t)] = begin;
            auto& f = features[static_cast<size_t>(t)];
            auto& v = values[static_cast<size_t>(t)];
            f.clear();
            v.clear();
            std::vector<int32_t> row_features(static_cast<size_t>(d) + 1);
            std::vector<float> row_values(static_cast<size_t>(d) + 1);
            for (int64_t i = begin; i < end; ++i) {
                const int64_t n =
                    compact_nonzero(block.codes + i * d, d, row_features.data(), row_values.data());
                f.insert(f.end(), row_features.begin(), row_features.begin() + n);
                v.insert(v.end(), row_values.begin(), row_values.begin() + n);
                out.row_start[static_cast<size_t>(i) + 1] = n;
            }
        }
    });
    for (size_t i = 1; i < out.row_start.size(); ++i) {
        out.row_start[i] += out.row_start[i - 1];
    }
    out.feature.resize(static_cast<size_t>(out.entries()));
    out.value.resize(static_cast<size_t>(out.entries()));
    for (int t = 0; t < threads; ++t) {
        const auto at = static_cast<size_t>(
            out.row_start[static_cast<size_t>(range_begin[static_cast<size_t>(t)])]);
        const auto& f = features[static_cast<size_t>(t)];
        std::copy(f.begin(), f.end(), out.feature.begin() + static_cast<std::ptrdiff_t>(at));
        const auto& v = values[static_cast<size_t>(t)];
        std::copy(v.begin(), v.end(), out.value.begin() + static_cast<std::ptrdiff_t>(at));
    }
}

}  // namespace taxoscope::core
