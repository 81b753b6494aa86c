// The one reading of a device name (`auto | cpu | cuda | cuda:N`) for everything that places
// tensors: the model runner, the SAE kernel. Include from .cpp files only: it pulls in c10.
#pragma once

#include <string>

#include <c10/core/Device.h>

#include "core/util/error.h"

namespace taxoscope::core {

// "auto" (or empty) -> cuda:0 when this LibTorch has a usable CUDA device, else the CPU.
// Asking for CUDA where there is none fails with ErrorCode::Unsupported and says why (a CPU-only
// LibTorch, or no device visible); a missing index fails with ErrorCode::NotFound.
Result<c10::Device> parse_device(const std::string& text);

}  // namespace taxoscope::core
