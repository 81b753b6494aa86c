#include "core/util/torch_device_torch.h"

#include <exception>
#include <stdexcept>

#include <torch/cuda.h>
#include <torch/version.h>

namespace taxoscope::core {
namespace {

// The message a user reads when CUDA was asked for and cannot be had: which of the two fixes
// applies (another LibTorch, or the machine's GPU set-up) differs, so it says which.
std::string why_no_cuda() {
#ifdef TAXOSCOPE_WITH_CUDA
    return "this LibTorch (" TORCH_VERSION
           ", built with CUDA) sees no CUDA device: no GPU, no working driver, or "
           "CUDA_VISIBLE_DEVICES hides them";
#else
    return "this LibTorch (" TORCH_VERSION
           ") was built without CUDA; configure taxoscope against a CUDA build of LibTorch "
           "(CMAKE_PREFIX_PATH, see the README)";
#endif
}

// A broken driver throws from the first CUDA query; it must read as "no CUDA", not crash.
int visible_cuda_devices() {
    try {
        return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

Result<c10::Device> parse_device(const std::string& text) {
    const int count = visible_cuda_devices();
    if (text == "auto" || text.empty()) {
        return count > 0 ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    }
    if (text == "cpu") {
        return c10::Device(c10::kCPU);
    }
    if (text == "cuda" || text.rfind("cuda:", 0) == 0) {
        int index = 0;
        if (text.size() > 5) {
            try {
                size_t used = 0;
                index = std::stoi(text.substr(5), &used);
                if (used != text.size() - 5 || index < 0) {
                    throw std::invalid_argument(text);
                }
            } catch (const std::exception&) {
                return fail(ErrorCode::InvalidArgument, "device '" + text + "' is not cuda:N");
            }
        }
        if (count == 0) {
            return fail(ErrorCode::Unsupported,
                        "device '" + text + "' requested, but " + why_no_cuda());
        }
        if (index >= count) {
            return fail(ErrorCode::NotFound, "device '" + text + "' does not exist (" +
                                                 std::to_string(count) + " CUDA device(s))");
        }
        return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    return fail(ErrorCode::InvalidArgument,
                "device '" + text + "' is not auto, cpu, cuda or cuda:N");
}

}  // namespace taxoscope::core
