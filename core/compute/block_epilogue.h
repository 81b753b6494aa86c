// The elementwise tail of an encode block, fused into one pass over the GEMM output while it is
// still in cache: add the bias, cut (ReLU / JumpReLU), write fp32 row-major codes. Also turns
// the oneDNN path's transposed [d_sae, B] product back into [B, d_sae] rows on the way, and can
// collect the non-zero codes in the same pass (so that a sparse consumer never rescans a dense
// block, or, with no dense output asked for, never has one written). Internal to core/compute.
#pragma once

#include <cstdint>
#include <vector>

namespace taxoscope::core {
struct SparseCodes;
}

namespace taxoscope::core::detail {

// The non-zero codes an epilogue found, in segments: segment (part, row) holds the row's
// non-zero codes among the features of `part` (a contiguous feature range, parts ascending),
// features ascending. Each thread fills only its own segments.
struct SparseParts {
    int64_t parts = 0;
    int64_t rows = 0;
    int64_t width = 0;             // slots per segment: the part's features + 1 (branchless stores)
    std::vector<int32_t> feature;  // [parts * rows * width]
    std::vector<float> value;
    std::vector<int64_t> count;  // [parts * rows]: entries used in each segment

    // Sizes the buffers (reusing them across blocks); contents are left as they are.
    void reset(int64_t parts, int64_t rows, int64_t width);
};

// The segments' entries as compressed rows, parts concatenated in order within each row.
void collect_sparse(const SparseParts& parts, int64_t first_row, int64_t d_sae, SparseCodes& out);

struct EpilogueArgs {
    int64_t rows = 0;               // B
    int64_t features = 0;           // d_sae
    const float* bias = nullptr;    // [d_sae]
    const float* cut = nullptr;     // [d_sae] or null: keep z only where z > cut_j, else 0
    float* out = nullptr;           // [B, d_sae] row-major; may be null when `sparse` is set
    SparseParts* sparse = nullptr;  // non-null: also collect the non-zero codes here
};

// src is [B, d_sae] row-major, fp32 or bf16 (raw bits).
void epilogue_rows(const float* src, const EpilogueArgs& args);
void epilogue_rows(const uint16_t* src, const EpilogueArgs& args);

// src is [d_sae, B] row-major (the transposed product), fp32 or bf16 (raw bits).
void epilogue_transposed(const float* src, const EpilogueArgs& args);
void epilogue_transposed(const uint16_t* src, const EpilogueArgs& args);

}  // namespace taxoscope::core::detail
