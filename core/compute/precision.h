// Arithmetic precision of the dense SAE products: fp32 by default, bf16 or f16 only when asked for.
#pragma once

#include <string_view>

#include "core/util/error.h"

namespace taxoscope::core {

enum class Precision {
    F32,   // exact enough for every metric; the default
    BF16,  // bf16 inputs and weights, fp32 accumulation: ~2x faster, relative error ~3e-3
    F16,   // fp16 inputs and weights, fp32 accumulation; CUDA only (docs/compute.md)
};

std::string_view to_string(Precision precision);

// Accepts "f32"/"fp32"/"float32", "bf16"/"bfloat16" and "f16"/"fp16"/"float16"/"half" (the
// CLI's --precision values).
Result<Precision> parse_precision(std::string_view text);

}  // namespace taxoscope::core
