#include "core/compute/block_epilogue.h"

#include <algorithm>
#include <cstring>

#include <ATen/Parallel.h>

#include "core/compute/simd_clones.h"
#include "core/compute/sparse_codes.h"

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
    SparseParts* sparse = a.sparse;
    if (sparse != nullptr) {
        sparse->reset(1, a.rows, a.features + 1);
    }
    at::parallel_for(0, a.rows, 8, [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(a.out == nullptr ? static_cast<size_t>(a.features) : 0);
        for (int64_t i = begin; i < end; ++i) {
            const T* s = src + i * a.features;
            float* d = a.out == nullptr ? scratch.data() : a.out + i * a.features;
            for (int64_t j = 0; j < a.features; ++j) {
                d[j] = finish(widen(s[j]), j, a);
            }
            if (sparse != nullptr) {
                // The row is still in L1: compacting it now saves the gather's second pass.
                sparse->count[static_cast<size_t>(i)] =
                    compact_nonzero(d, a.features, sparse->feature.data() + i * sparse->width,
                                    sparse->value.data() + i * sparse->width);
            }
        }
    });
}

// Square tiles small enough that a tile of the source (kTile rows of kTile values) and of the
// destination both sit in L1 while the tile is transposed.
constexpr int64_t kTile = 32;

// One part's segments (see SparseParts), row by row.
struct Segments {
    int32_t* feature;
    float* value;
    int64_t* count;
    int64_t width;
};

const float* as_float(const float* src, int64_t /*n*/, std::vector<float>& /*scratch*/) {
    return src;
}

const float* as_float(const uint16_t* src, int64_t n, std::vector<float>& scratch) {
    for (int64_t i = 0; i < n; ++i) {
        scratch[static_cast<size_t>(i)] = widen(src[i]);
    }
    return scratch.data();
}

// Feature j's pre-activations over the block's rows, `pre` [rows]: appends each row's firing
// code (pre + bias > cut) to that row's segment. Most 32-row runs of a trained SAE's feature
// hold no firing code and the others one or two, so a vectorised compare builds a bit mask and
// only its set bits are visited.
TAXOSCOPE_SIMD_CLONES
void collect_feature(const float* pre, int64_t rows, int32_t j, float bias, float cut,
                     const Segments& out) {
    for (int64_t i0 = 0; i0 < rows; i0 += kTile) {
        const int64_t n = std::min(kTile, rows - i0);
        float z[kTile];
        uint32_t hits = 0;
        for (int64_t ii = 0; ii < n; ++ii) {
            const float v = pre[i0 + ii] + bias;
            z[ii] = v > cut ? v : 0.0f;
            hits |= static_cast<uint32_t>(z[ii] != 0.0f) << ii;
        }
        for (; hits != 0; hits &= hits - 1) {
            const int64_t i = i0 + __builtin_ctz(hits);
            const int64_t at = i * out.width + out.count[i]++;
            out.feature[at] = j;
            out.value[at] = z[i - i0];
        }
    }
}

template <typename T>
void transposed_impl(const T* src, const EpilogueArgs& a) {
    const int64_t feature_tiles = (a.features + kTile - 1) / kTile;
    // With sparse output each thread takes one contiguous run of tiles (a part), so that a row's
    // entries from one part are ascending and the parts concatenate in feature order.
    SparseParts* sparse = a.sparse;
    const int64_t parts =
        sparse == nullptr ? 1 : std::clamp<int64_t>(at::get_num_threads(), 1, feature_tiles);
    const int64_t tiles_per_part = (feature_tiles + parts - 1) / parts;
    if (sparse != nullptr) {
        sparse->reset(parts, a.rows, tiles_per_part * kTile + 1);
    }
    auto run = [&](int64_t part, int64_t tile_begin, int64_t tile_end) {
        float buffer[kTile][kTile];
        for (int64_t tile = tile_begin; tile < tile_end; ++tile) {
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
                    float* d = a.out == nullptr ? nullptr : a.out + (i0 + ii) * a.features + j0;
                    if (sparse == nullptr) {
                        for (int64_t jj = 0; jj < nj; ++jj) {
                            d[jj] = finish(buffer[ii][jj], j0 + jj, a);
                        }
                        continue;
                    }
                    // Most 32-feature runs of a trained SAE's row hold no firing code, and the
                    // others one or two: walk the set bits of a mask, not the run.
                    float z[kTile];
                    uint32_t hits = 0;
                    for (int64_t jj = 0; jj < nj; ++jj) {
                        z[jj] = finish(buffer[ii][jj], j0 + jj, a);
                        hits |= static_cast<uint32_t>(z[jj] != 0.0f) << jj;
                    }
                    if (d != nullptr) {
                        std::copy_n(z, nj, d);
                    }
                    if (hits != 0) {
                        const int64_t segment = part * a.rows + i0 + ii;
                        int32_t* feature = sparse->feature.data() + segment * sparse->width;
                        float* value = sparse->value.data() + segment * sparse->width;
                        int64_t n = sparse->count[static_cast<size_t>(segment)];
                        for (; hits != 0; hits &= hits - 1) {
                            const int jj = __builtin_ctz(hits);
                            feature[n] = static_cast<int32_t>(j0 + jj);
                            value[n] = z[jj];
                            ++n;
                        }
                        sparse->count[static_cast<size_t>(segment)] = n;
                    }
                }
            }
        }
    };
    if (sparse == nullptr) {
        at::parallel_for(0, feature_tiles, 4,
                         [&](int64_t begin, int64_t end) { run(0, begin, end); });
        return;
    }
    if (a.out == nullptr && a.cut != nullptr) {
        // Sparse codes alone need no transpose: walk the product feature by feature (each
        // feature's rows are contiguous) and append every firing code to its row's segment, so
        // that features still arrive ascending within each segment.
        at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
            std::vector<float> widened(static_cast<size_t>(a.rows));
            for (int64_t part = begin; part < end; ++part) {
                const int64_t offset = part * a.rows;
                Segments segments{sparse->feature.data() + offset * sparse->width,
                                  sparse->value.data() + offset * sparse->width,
                                  sparse->count.data() + offset, sparse->width};
                const int64_t j_end = std::min(a.features, (part + 1) * tiles_per_part * kTile);
                for (int64_t j = part * tiles_per_part * kTile; j < j_end; ++j) {
                    collect_feature(as_float(src + j * a.rows, a.rows, widened), a.rows,
                                    static_cast<int32_t>(j), a.bias[j], a.cut[j], segments);
                }
            }
        });
        return;
    }
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
        for (int64_t part = begin; part < end; ++part) {
            run(part, part * tiles_per_part, std::min(feature_tiles, (part + 1) * tiles_per_part));
        }
    });
}

}  // namespace

void SparseParts::reset(int64_t part_count, int64_t row_count, int64_t slots) {
    parts = part_count;
    rows = row_count;
    width = slots;
    const auto size = static_cast<size_t>(parts * rows * width);
    if (feature.size() < size) {
        feature.resize(size);
        value.resize(size);
    }
    count.assign(static_cast<size_t>(parts * rows), 0);
}

void collect_sparse(const SparseParts& parts, int64_t first_row, int64_t d_sae, SparseCodes& out) {
    out.first_row = first_row;
    out.rows = parts.rows;
    out.d_sae = d_sae;
    out.row_start.assign(static_cast<size_t>(parts.rows) + 1, 0);
    for (int64_t i = 0; i < parts.rows; ++i) {
        int64_t n = 0;
        for (int64_t p = 0; p < parts.parts; ++p) {
            n += parts.count[static_cast<size_t>(p * parts.rows + i)];
        }
        out.row_start[static_cast<size_t>(i) + 1] = out.row_start[static_cast<size_t>(i)] + n;
    }
    out.feature.resize(static_cast<size_t>(out.entries()));
    out.value.resize(static_cast<size_t>(out.entries()));
    auto at = out.feature.begin();
    auto value_at = out.value.begin();
    for (int64_t i = 0; i < parts.rows; ++i) {
        for (int64_t p = 0; p < parts.parts; ++p) {
            const int64_t segment = p * parts.rows + i;
            const auto n = static_cast<std::ptrdiff_t>(parts.count[static_cast<size_t>(segment)]);
            const auto from = static_cast<std::ptrdiff_t>(segment * parts.width);
            at = std::copy_n(parts.feature.begin() + from, n, at);
            value_at = std::copy_n(parts.value.begin() + from, n, value_at);
        }
    }
}

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
