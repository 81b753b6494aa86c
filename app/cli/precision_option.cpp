#include "app/cli/precision_option.h"

#include <string>
#include <vector>

namespace taxoscope::cli {

CLI::Option* add_precision_option(CLI::App& sub, core::Precision& target,
                                  PrecisionChoices choices) {
    const bool cuda = choices == PrecisionChoices::CpuAndCuda;
    std::vector<std::string> names{"f32", "bf16"};
    std::string help =
        "arithmetic of the SAE products: f32 (default) or bf16 (about 2x faster on CPUs with "
        "AVX-512 BF16, relative error ~3e-3)";
    if (cuda) {
        names.emplace_back("f16");
        help =
            "arithmetic of the SAE products: f32 (default), bf16 (about 2x faster on CPUs with "
            "AVX-512 BF16, relative error ~3e-3) or f16 (CUDA only)";
    }
    return sub
        .add_option_function<std::string>(
            "--precision",
            [&target](const std::string& name) {
                // The transform below only lets names through that parse.
                target = core::parse_precision(name).value_or(core::Precision::F32);
            },
            help)
        ->transform(CLI::IsMember(names, CLI::ignore_case));
}

}  // namespace taxoscope::cli
