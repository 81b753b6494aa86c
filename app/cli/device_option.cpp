#include "app/cli/device_option.h"

namespace taxoscope::cli {

CLI::Option* add_sae_device_option(CLI::App& sub, std::string& target) {
    return sub.add_option("--device", target,
                          "where the SAE products run: auto (default: CUDA when this LibTorch "
                          "has a device, else the CPU), cpu, cuda or cuda:N");
}

}  // namespace taxoscope::cli
