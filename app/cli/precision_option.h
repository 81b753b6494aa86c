// `--precision f32|bf16`, shared by every command that runs the SAE products (encode, analyze,
// train-sae, bench).
#pragma once

#include <CLI/CLI.hpp>

#include "core/compute/precision.h"

namespace taxoscope::cli {

CLI::Option* add_precision_option(CLI::App& sub, core::Precision& target);

}  // namespace taxoscope::cli
