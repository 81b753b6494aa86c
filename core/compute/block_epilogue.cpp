#include "core/compute/block_epilogue.h"

#include <algorithm>
#include <cstring>

#include <ATen/Parallel.h>

namespace taxoscope::core::detail {
namespace {

inline float widen(float v) {
    return v;
}

// bf16 is the upper half of an fp32: widening is a shift.
inline float widen(uint16_t bits) {
    const uint32_t wide = static_cast<uint32_t>(bits) << 16;
    float v;
    std::memcpy(&v, &wide, sizeof v);
    return v;
}

inline float finish(float pre, int64_t j, const EpilogueArgs& a) {
    const float z = pre + a.bias[j];
    return (a.cut == nullptr || z > a.cut[j]) ? z : 0.0f;
}

template <typename T>
void rows_impl(const T* src, const EpilogueArgs& a) {
    at::parallel_for(0, a.rows, 8, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const T* s = src + i * a.features;
            float* d = a.out + i * a.features;
            for (int64_t j = 0; j < a.features; ++j) {
                d[j] = finish(widen(s[j]), j, a);
            }
        }
    });
}

// Square tiles small enough that a tile of the source (kTile rows of kTile values) and of the
// destination both sit in L1 while the tile is transposed.
constexpr int64_t kTile = 32;

template <typename T>
void transposed_impl(const T* src, const EpilogueArgs& a) {
    const int64_t feature_tiles = (a.features + kTile - 1) / kTile;
    at::parallel_for(0, feature_tiles, 4, [&](int64_t begin, int64_t end) {
        float buffer[kTile][kTile];
        for (int64_t tile = begin; tile < end; ++tile) {
            const int64_t j0 = tile * kTile;
            const int64_t nj = std::min(kTile, a.features - j0);
            for (int64_t i0 = 0; i0 < a.rows; i0 += kTile) {
                const int64_t ni = std::min(kTile, a.rows - i0);
                // Read along the source's rows (features), write along the destination's rows.
                for (int64_t jj = 0; jj < nj; ++jj) {
                    const T* s = src + (j0 + jj) * a.rows + i0;
                    for (int64_t ii = 0; ii < ni; ++ii) {
                        buffer[ii][jj] = widen(s[ii]);
                    }
                }
                for (int64_t ii = 0; ii < ni; ++ii) {
                    float* d = a.out + (i0 + ii) * a.features + j0;
                    for (int64_t jj = 0; jj < nj; ++jj) {
                        d[jj] = finish(buffer[ii][jj], j0 + jj, a);
                    }
                }
            }
        }
    });
}

}  // namespace

void epilogue_rows(const float* src, const EpilogueArgs& args) {
    rows_impl(src, args);
}
void epilogue_rows(const uint16_t* src, const EpilogueArgs& args) {
    rows_impl(src, args);
}
void epilogue_transposed(const float* src, const EpilogueArgs& args) {
    transposed_impl(src, args);
}
void epilogue_transposed(const uint16_t* src, const EpilogueArgs& args) {
    transposed_impl(src, args);
}

}  // namespace taxoscope::core::detail
