#include "core/compute/precision.h"

#include <string>

namespace taxoscope::core {

std::string_view to_string(Precision precision) {
    switch (precision) {
        case Precision::F32:
            return "f32";
        case Precision::BF16:
            return "bf16";
        case Precision::F16:
            break;
    }
    return "f16";
}

Result<Precision> parse_precision(std::string_view text) {
    if (text == "f32" || text == "fp32" || text == "float32") {
        return Precision::F32;
    }
    if (text == "bf16" || text == "bfloat16") {
        return Precision::BF16;
    }
    if (text == "f16" || text == "fp16" || text == "float16" || text == "half") {
        return Precision::F16;
    }
    return fail(ErrorCode::InvalidArgument,
                "unknown precision '" + std::string(text) + "' (expected f32, bf16 or f16)");
}

}  // namespace taxoscope::core
