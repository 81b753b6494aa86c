// The elementwise tail of an encode block, fused into one pass over the GEMM output while it is
// still in cache: add the bias, cut (ReLU / JumpReLU), write fp32 row-major codes. Also turns
// the oneDNN path's transposed [d_sae, B] product back into [B, d_sae] rows on the way.
// Internal to core/compute.
#pragma once

#include <cstdint>

namespace taxoscope::core::detail {

struct EpilogueArgs {
    int64_t rows = 0;             // B
    int64_t features = 0;         // d_sae
    const float* bias = nullptr;  // [d_sae]
    const float* cut = nullptr;   // [d_sae] or null: keep z only where z > cut_j, else 0
    float* out = nullptr;         // [B, d_sae] row-major
};

// src is [B, d_sae] row-major, fp32 or bf16 (raw bits).
void epilogue_rows(const float* src, const EpilogueArgs& args);
void epilogue_rows(const uint16_t* src, const EpilogueArgs& args);

// src is [d_sae, B] row-major (the transposed product), fp32 or bf16 (raw bits).
void epilogue_transposed(const float* src, const EpilogueArgs& args);
void epilogue_transposed(const uint16_t* src, const EpilogueArgs& args);

}  // namespace taxoscope::core::detail
