#include "core/compute/bf16_screen.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include <ATen/Parallel.h>

#include "core/compute/simd_clones.h"

namespace taxoscope::core::detail {
namespace {

// bf16 keeps 8 significant bits: rounding to nearest moves a value by at most 2^-8 of itself.
constexpr double kUnit = 1.0 / 256.0;
// The bf16 product's output is rounded to bf16 too. Twice the rounding unit, so that the bound
// would still hold if an implementation truncated instead of rounding.
constexpr float kOutputRounding = static_cast<float>(2.0 * kUnit / (1.0 - 2.0 * kUnit));
// Every gain is raised by this much to absorb the float rounding of the screen's own test
// (a few units of 2^-24 of the terms it adds).
constexpr double kSlack = 1.0 / 1024.0;
// Rows of a mask: one bit per row.
constexpr int64_t kMaskRows = 32;

inline float widen(uint16_t bits) {
    const uint32_t wide = static_cast<uint32_t>(bits) << 16;
    float v;
    std::memcpy(&v, &wide, sizeof v);
    return v;
}

// The smallest float at or above v (norms enter the bound from above).
float float_at_least(double v) {
    const auto f = static_cast<float>(v);
    return static_cast<double>(f) >= v ? f : std::nextafter(f, std::numeric_limits<float>::max());
}

float float_at_most(double v) {
    const auto f = static_cast<float>(v);
    return static_cast<double>(f) <= v ? f : std::nextafter(f, -std::numeric_limits<float>::max());
}

// Writes bf16(v) for v in [0, n) to `bits` and returns {||v - bf16(v)||^2, ||bf16(v)||^2}.
std::pair<double, double> round_and_measure(const float* v, int64_t n, uint16_t* bits) {
    double rounding = 0.0;
    double norm = 0.0;
    for (int64_t k = 0; k < n; ++k) {
        bits[k] = to_bf16_bits(v[k]);
        const double kept = widen(bits[k]);
        const double lost = static_cast<double>(v[k]) - kept;
        rounding += lost * lost;
        norm += kept * kept;
    }
    return {rounding, norm};
}

// Bit i set where row i's bf16 value of this feature, raised by the bound, passes the cut.
TAXOSCOPE_SIMD_CLONES
uint32_t candidate_mask(const uint16_t* product, const float* rounding, const float* norm,
                        int64_t n, float rounding_gain, float norm_gain, float threshold) {
    uint32_t hits = 0;
    for (int64_t i = 0; i < n; ++i) {
        const float v = widen(product[i]);
        const float reach =
            v + kOutputRounding * std::fabs(v) + rounding[i] * rounding_gain + norm[i] * norm_gain;
        hits |= static_cast<uint32_t>(reach > threshold) << i;
    }
    return hits;
}

// The fp32 dot product, in one fixed order whatever the thread split.
TAXOSCOPE_SIMD_CLONES
float dot(const float* a, const float* b, int64_t n) {
    using Line = float __attribute__((vector_size(16 * sizeof(float))));
    constexpr int64_t kLine = 16;
    Line sum[4] = {};
    int64_t k = 0;
    for (; k + 4 * kLine <= n; k += 4 * kLine) {
        for (int q = 0; q < 4; ++q) {
            Line x;
            Line y;
            std::memcpy(&x, a + k + q * kLine, sizeof x);
            std::memcpy(&y, b + k + q * kLine, sizeof y);
            sum[q] += x * y;
        }
    }
    const Line all = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    float total = 0.0f;
    for (int64_t q = 0; q < kLine; ++q) {
        total += all[q];
    }
    for (; k < n; ++k) {
        total += a[k] * b[k];
    }
    return total;
}

}  // namespace

uint16_t to_bf16_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7f800000u) == 0) {
        bits &= 0x80000000u;  // subnormal: the bf16 units read it as zero
    }
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return static_cast<uint16_t>((bits >> 16) | 0x40u);  // NaN stays a (quiet) NaN
    }
    const uint32_t round_half_to_even = 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>((bits + round_half_to_even) >> 16);
}

ScreenBounds screen_bounds(const float* w_t, int64_t d_sae, int64_t d_in, const float* bias,
                           const float* cut, uint16_t* w_bits) {
    // For a row x and a feature w, with x~, w~ their bf16 roundings, the product p computes
    // x~·w~ in fp32 (error <= g ||x~|| ||w~||, g = d_in 2^-24 / (1 - d_in 2^-24)) and rounds it
    // to bf16; the exact fp32 dot product that replaces it is within g ||x|| ||w|| of x·w, and
    // x·w - x~·w~ = (x - x~)·w~ + x~·(w - w~) + (x - x~)·(w - w~). Cauchy-Schwarz on each term:
    //   |fp32(x·w) - p| <= ||x - x~|| (||w~|| + ||w - w~||)(1 + g)
    //                      + ||x~|| (||w - w~|| + g (2 ||w~|| + ||w - w~||)) + r |p|
    // with r the output rounding. Products flushed to zero add at most 2 d_in 2^-126.
    ScreenBounds b;
    b.input_rounding_gain.resize(static_cast<size_t>(d_sae));
    b.input_norm_gain.resize(static_cast<size_t>(d_sae));
    b.threshold.resize(static_cast<size_t>(d_sae));
    b.always.assign(static_cast<size_t>(d_sae), 0);
    const double unit32 = std::ldexp(1.0, -24);
    const double g =
        static_cast<double>(d_in) * unit32 / (1.0 - static_cast<double>(d_in) * unit32);
    const bool bound_holds = static_cast<double>(d_in) * unit32 < 0.5;
    const double flushed = 2.0 * static_cast<double>(d_in) * std::ldexp(1.0, -126);
    at::parallel_for(0, d_sae, 64, [&](int64_t begin, int64_t end) {
        for (int64_t j = begin; j < end; ++j) {
            const auto [lost_sq, kept_sq] =
                round_and_measure(w_t + j * d_in, d_in, w_bits + j * d_in);
            const double lost = std::sqrt(lost_sq);
            const double kept = std::sqrt(kept_sq);
            const double rounding_gain = (kept + lost) * (1.0 + g) * (1.0 + kSlack);
            const double norm_gain = (lost + g * (2.0 * kept + lost)) * (1.0 + kSlack);
            const double gap = static_cast<double>(cut[j]) - static_cast<double>(bias[j]);
            const double threshold =
                gap - std::ldexp(std::fabs(cut[j]) + std::fabs(bias[j]), -20) - flushed;
            const auto at = static_cast<size_t>(j);
            b.input_rounding_gain[at] = float_at_least(rounding_gain);
            b.input_norm_gain[at] = float_at_least(norm_gain);
            b.threshold[at] = float_at_most(threshold);
            b.always[at] = !bound_holds || !std::isfinite(b.input_rounding_gain[at]) ||
                           !std::isfinite(b.input_norm_gain[at]) || !std::isfinite(b.threshold[at]);
        }
    });
    return b;
}

void screen_rows(const float* x, int64_t rows, int64_t d_in, uint16_t* bits, float* rounding,
                 float* norm) {
    at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const auto [lost_sq, kept_sq] = round_and_measure(x + i * d_in, d_in, bits + i * d_in);
            const double lost = std::sqrt(lost_sq);
            const double kept = std::sqrt(kept_sq);
            const bool finite = std::isfinite(lost) && std::isfinite(kept);
            constexpr float kEverything = std::numeric_limits<float>::infinity();
            rounding[i] = finite ? float_at_least(lost) : kEverything;
            norm[i] = finite ? float_at_least(kept) : kEverything;
        }
    });
}

int64_t screen_block(const ScreenArgs& a, SparseParts& parts) {
    const int64_t part_count = std::clamp<int64_t>(at::get_num_threads(), 1, a.features);
    const int64_t per_part = (a.features + part_count - 1) / part_count;
    parts.reset(part_count, a.rows, per_part + 1);
    // Rows whose bound is not finite (an inf or NaN among their inputs): every code in fp32.
    const int64_t masks = (a.rows + kMaskRows - 1) / kMaskRows;
    std::vector<uint32_t> forced(static_cast<size_t>(masks), 0);
    for (int64_t i = 0; i < a.rows; ++i) {
        if (!std::isfinite(a.norm[i]) || !std::isfinite(a.rounding[i])) {
            forced[static_cast<size_t>(i / kMaskRows)] |= 1u << (i % kMaskRows);
        }
    }
    std::vector<int64_t> computed(static_cast<size_t>(part_count), 0);
    const ScreenBounds& b = *a.bounds;
    at::parallel_for(0, part_count, 1, [&](int64_t first_part, int64_t last_part) {
        for (int64_t part = first_part; part < last_part; ++part) {
            int64_t dots = 0;
            int32_t* feature = parts.feature.data() + part * a.rows * parts.width;
            float* value = parts.value.data() + part * a.rows * parts.width;
            int64_t* count = parts.count.data() + part * a.rows;
            const int64_t j_end = std::min(a.features, (part + 1) * per_part);
            for (int64_t j = part * per_part; j < j_end; ++j) {
                const auto at = static_cast<size_t>(j);
                const uint16_t* p = a.product + j * a.rows;
                const float* w = a.w_t + j * a.d_in;
                for (int64_t m = 0; m < masks; ++m) {
                    const int64_t i0 = m * kMaskRows;
                    const int64_t n = std::min(kMaskRows, a.rows - i0);
                    uint32_t hits = b.always[at] != 0
                                        ? (n == 32 ? ~0u : (1u << n) - 1u)
                                        : candidate_mask(p + i0, a.rounding + i0, a.norm + i0, n,
                                                         b.input_rounding_gain[at],
                                                         b.input_norm_gain[at], b.threshold[at]);
                    hits |= forced[static_cast<size_t>(m)];
                    for (; hits != 0; hits &= hits - 1) {
                        const int64_t i = i0 + __builtin_ctz(hits);
                        ++dots;
                        const float z = dot(a.x + i * a.d_in, w, a.d_in) + a.bias[j];
                        if (z > a.cut[j]) {
                            const int64_t slot = i * parts.width + count[i]++;
                            feature[slot] = static_cast<int32_t>(j);
                            value[slot] = z;
                        }
                    }
                }
            }
            computed[static_cast<size_t>(part)] = dots;
        }
    });
    int64_t total = 0;
    for (int64_t dots : computed) {
        total += dots;
    }
    return total;
}

}  // namespace taxoscope::core::detail
