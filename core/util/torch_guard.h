// Converts exceptions thrown by LibTorch and OpenCV into typed errors at the core boundary.
// Include only from .cpp files that already use LibTorch (the precompiled header has it).
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <c10/util/Exception.h>

#include "core/util/error.h"

namespace taxoscope::core {

// Runs `body` and turns any exception into Error{ErrorCode::Runtime, "<context>: <what>"}.
// `body` returns either a plain value or a Result<T>.
template <typename F>
auto guard_exceptions(std::string_view context, F&& body) {
    using R = std::invoke_result_t<F>;
    using Out = std::conditional_t<tl::detail::is_expected<R>::value, R, Result<R>>;
    auto failure = [&](const std::string& what) -> Out {
        return fail(ErrorCode::Runtime, std::string(context) + ": " + what);
    };
    try {
        if constexpr (std::is_void_v<R>) {
            body();
            return Out{};
        } else {
            return Out(body());
        }
    } catch (const c10::Error& e) {
        // what() carries a C++ backtrace that helps nobody reading an error dialog.
        return failure(e.what_without_backtrace());
    } catch (const std::exception& e) {
        return failure(e.what());
    }
}

}  // namespace taxoscope::core
