// `--device auto|cpu|cuda[:N]` of the commands that run the SAE products (encode, analyze).
// The name is resolved, and refused with its reason, by the core (core/util/torch_device_torch.h).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace taxoscope::cli {

CLI::Option* add_sae_device_option(CLI::App& sub, std::string& target);

}  // namespace taxoscope::cli
