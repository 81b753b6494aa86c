// Cooperative cancellation shared between a long core operation and whoever started it.
#pragma once

#include <atomic>
#include <memory>

#include "core/util/error.h"

namespace taxoscope::core {

// Copies share one flag: the UI keeps a copy, the worker polls another.
class CancelToken {
  public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}

    void cancel() const { flag_->store(true, std::memory_order_relaxed); }
    bool is_cancelled() const { return flag_->load(std::memory_order_relaxed); }

    // Convenience for loops: `if (auto e = token.check("extracting")) return fail(*e);`
    // would be clumsy, so this returns an Error only meant for the cancelled case.
    Error cancelled_error(std::string_view during) const {
        return Error{ErrorCode::Cancelled, "cancelled by the user while " + std::string(during)};
    }

  private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace taxoscope::core
