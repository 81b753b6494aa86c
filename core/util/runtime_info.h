// What this build of taxoscope runs on: library versions and compute devices.
#pragma once

#include <string>
#include <vector>

namespace taxoscope::core {

struct RuntimeInfo {
    std::string taxoscope_version;
    std::string libtorch_version;
    std::string opencv_version;
    bool cuda_built = false;      // this LibTorch was built with CUDA
    bool cuda_available = false;  // ... and a usable device is present
    std::vector<std::string> cuda_devices;
    int torch_threads = 0;  // LibTorch intra-op threads
};

RuntimeInfo runtime_info();

}  // namespace taxoscope::core
