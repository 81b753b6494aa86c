// fp32 codes at bf16 speed, for streams that want only the firing codes. A bf16 product of the
// block (3-5x faster than the fp32 one on CPUs with AMX) comes with a proven bound on its
// distance from the fp32 dot product; every code whose bf16 value plus that bound stays at or
// under the cut is 0 in fp32 too, and only the rest (a few percent of a trained SAE's codes) is
// computed again as an fp32 dot product. The codes that come out are those fp32 dot products:
// nothing of the bf16 product's rounding reaches them. docs/compute.md has the derivation of the
// bound. Internal to core/compute; torch-free.
#pragma once

#include <cstdint>
#include <vector>

#include "core/compute/block_epilogue.h"

namespace taxoscope::core::detail {

// fp32 -> bf16 bits, rounded to nearest even, with subnormals flushed to zero the way the
// bf16 units treat them (so that the rounding error computed here is the one they see).
uint16_t to_bf16_bits(float value);

// The feature side of the bound, from W_enc's fp32 rows [d_sae, d_in] (W_enc transposed).
struct ScreenBounds {
    std::vector<float> input_rounding_gain;  // [d_sae]: multiplies a row's ||x - bf16(x)||
    std::vector<float> input_norm_gain;      // [d_sae]: multiplies a row's ||bf16(x)||
    std::vector<float> threshold;  // [d_sae]: cut - bias, lowered by the evaluation's slack
    std::vector<uint8_t> always;   // [d_sae]: 1 where the bound is not finite: no screening
};

// `w_bits` receives bf16(W) [d_sae, d_in], the bf16 product's weights.
ScreenBounds screen_bounds(const float* w_t, int64_t d_sae, int64_t d_in, const float* bias,
                           const float* cut, uint16_t* w_bits);

// The row side: bf16(x) into `bits` [rows, d_in], ||x - bf16(x)|| and ||bf16(x)|| per row
// (+inf where either is not finite: every code of such a row is computed in fp32).
void screen_rows(const float* x, int64_t rows, int64_t d_in, uint16_t* bits, float* rounding,
                 float* norm);

struct ScreenArgs {
    int64_t rows = 0;      // B
    int64_t features = 0;  // d_sae
    int64_t d_in = 0;
    const float* x = nullptr;           // [B, d_in] fp32: the exact inputs
    const uint16_t* product = nullptr;  // [d_sae, B] bf16 bits: bf16(W) · bf16(x)ᵀ
    const float* rounding = nullptr;    // [B] from screen_rows
    const float* norm = nullptr;        // [B]
    const float* w_t = nullptr;         // [d_sae, d_in] fp32
    const float* bias = nullptr;        // [d_sae]
    const float* cut = nullptr;         // [d_sae]: keep z = x·w + bias where z > cut
    const ScreenBounds* bounds = nullptr;
};

// The firing codes of the block into `parts` (one part per thread, features ascending within
// each row's segment, as the epilogue writes them). Returns how many codes needed their fp32
// dot product, so that the caller can tell whether screening still pays.
int64_t screen_block(const ScreenArgs& args, SparseParts& parts);

}  // namespace taxoscope::core::detail
