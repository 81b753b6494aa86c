// `--precision f32|bf16[|f16]`, shared by every command that runs the SAE products (encode,
// analyze, train-sae, bench).
#pragma once

#include <CLI/CLI.hpp>

#include "core/compute/precision.h"

namespace taxoscope::cli {

// f16 exists on CUDA only, so only commands that also take --device offer it.
enum class PrecisionChoices { Cpu, CpuAndCuda };

CLI::Option* add_precision_option(CLI::App& sub, core::Precision& target,
                                  PrecisionChoices choices = PrecisionChoices::Cpu);

}  // namespace taxoscope::cli
