// Typed errors for taxoscope core: every failure names what failed and where.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace taxoscope::core {

// Broad kinds of failure; callers branch on these, users read the message.
enum class ErrorCode {
    InvalidArgument,  // a caller-supplied value is out of range or inconsistent
    NotFound,         // a file, folder, layer, class or tensor does not exist
    Io,               // the operating system refused a read or write
    Parse,            // a text or binary format is malformed
    ShapeMismatch,    // tensor shapes or widths disagree
    Unsupported,      // valid input that this build cannot handle
    Cancelled,        // the user asked to stop
    Runtime,          // a dependency (LibTorch, OpenCV) failed while running
};

std::string_view to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Runtime;
    // Complete sentence(s) naming the file/tensor/line at fault, e.g.
    // "activations/block3.npy: header says 1000x768 but the file holds 512 rows".
    std::string message;

    // Prefixes context, so that deeper errors read as "while X: cause".
    Error with_context(std::string_view context) const;
    // "parse error: <message>"
    std::string describe() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Helper so failing paths read `return fail(ErrorCode::Parse, "...")`.
inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
    return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline tl::unexpected<Error> fail(Error error) {
    return tl::unexpected<Error>(std::move(error));
}

}  // namespace taxoscope::core
