#include "core/compute/precision.h"

#include <string>

namespace taxoscope::core {

std::string_view to_string(Precision precision) {
    return precision == Precision::BF16 ? "bf16" : "f32";
}

Result<Precision> parse_precision(std::string_view text) {
    if (text == "f32" || text == "fp32" || text == "float32") {
        return Precision::F32;
    }
    if (text == "bf16" || text == "bfloat16") {
        return Precision::BF16;
    }
    return fail(ErrorCode::InvalidArgument,
                "unknown precision '" + std::string(text) + "' (expected f32 or bf16)");
}

}  // namespace taxoscope::core
