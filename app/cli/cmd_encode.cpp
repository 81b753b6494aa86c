// `taxoscope-cli encode --sae PATH --activations X.npy --out Z.npy [--device D]
// [--precision P]`: dense fp32 codes of every row, for interop checks against other tools and for
// scripts.
#include <cstdio>
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/device_option.h"
#include "app/cli/precision_option.h"
#include "core/sae/sae_encode.h"
#include "core/sae/sae_io.h"

namespace taxoscope::cli {
namespace {

class EncodeCommand final : public Command {
  public:
    std::string name() const override { return "encode"; }
    std::string summary() const override {
        return "Encode an activations .npy with an SAE into dense float32 codes (.npy)";
    }
    void add_options(CLI::App& sub) override {
        sub.add_option("--sae", sae_path_, "SAE folder (any supported layout)")->required();
        sub.add_option("--activations", activations_, "[N, d_in] float16/float32 .npy")->required();
        sub.add_option("--out", out_, "where to write the [N, d_sae] float32 .npy")->required();
        add_sae_device_option(sub, device_);
        add_precision_option(sub, precision_, PrecisionChoices::CpuAndCuda);
    }

    int run(CliContext& context) override {
        auto sae = core::load_sae(sae_path_);
        if (!sae) {
            return context.report(sae.error());
        }
        auto progress = context.make_progress();
        auto report = core::encode_activations_file(*sae, activations_, out_, precision_, device_,
                                                    *progress, context.cancel());
        if (!report) {
            return context.report(report.error());
        }
        char line[200];
        std::snprintf(line, sizeof line, "encoded %lld rows -> ",
                      static_cast<long long>(report->rows));
        std::cout << line << out_;
        std::snprintf(line, sizeof line, " [%lld, %lld], mean L0 %.2f, on %s (%s)\n",
                      static_cast<long long>(report->rows), static_cast<long long>(report->d_sae),
                      report->mean_l0, report->device.c_str(),
                      std::string(core::to_string(report->backend)).c_str());
        std::cout << line;
        return 0;
    }

  private:
    std::string sae_path_;
    std::string activations_;
    std::string out_;
    std::string device_ = "auto";
    core::Precision precision_ = core::Precision::F32;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(EncodeCommand)

}  // namespace taxoscope::cli
