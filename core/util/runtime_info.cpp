#include "core/util/runtime_info.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <opencv2/core/version.hpp>
#ifdef TAXOSCOPE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

#include "core/util/version.h"

namespace taxoscope::core {

RuntimeInfo runtime_info() {
    RuntimeInfo info;
    info.taxoscope_version = kTaxoscopeVersion;
    info.libtorch_version = TORCH_VERSION;
    info.opencv_version = CV_VERSION;
#ifdef TAXOSCOPE_WITH_CUDA
    info.cuda_built = true;
#endif
    try {
        info.cuda_available = torch::cuda::is_available();
#ifdef TAXOSCOPE_WITH_CUDA
        if (info.cuda_available) {
            const auto count = static_cast<int>(torch::cuda::device_count());
            for (int i = 0; i < count; ++i) {
                info.cuda_devices.emplace_back(at::cuda::getDeviceProperties(i)->name);
            }
        }
#endif
    } catch (const std::exception&) {
        // A broken driver must not take the report down with it: report CUDA as unavailable.
        info.cuda_available = false;
    }
    info.torch_threads = at::get_num_threads();
    return info;
}

}  // namespace taxoscope::core
