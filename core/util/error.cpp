#include "core/util/error.h"

namespace taxoscope::core {

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return "invalid argument";
        case ErrorCode::NotFound:
            return "not found";
        case ErrorCode::Io:
            return "I/O error";
        case ErrorCode::Parse:
            return "parse error";
        case ErrorCode::ShapeMismatch:
            return "shape mismatch";
        case ErrorCode::Unsupported:
            return "unsupported";
        case ErrorCode::Cancelled:
            return "cancelled";
        case ErrorCode::Runtime:
            return "runtime error";
    }
    return "error";
}

Error Error::with_context(std::string_view context) const {
    Error out = *this;
    out.message = std::string(context) + ": " + message;
    return out;
}

std::string Error::describe() const {
    return std::string(to_string(code)) + ": " + message;
}

}  // namespace taxoscope::core
