// `taxoscope-cli sae-info PATH [--json]`: what an SAE folder holds, in any supported layout.
#include <iostream>

#include "app/cli/command.h"
#include "core/sae/sae_io.h"

namespace taxoscope::cli {
namespace {

class SaeInfoCommand final : public Command {
  public:
    std::string name() const override { return "sae-info"; }
    std::string summary() const override {
        return "Describe an SAE (taxoscope/SAELens, sparsify or dictionary_learning layout)";
    }
    void add_options(CLI::App& sub) override {
        sub.add_option("path", path_, "SAE folder, or a file in it")->required();
        sub.add_flag("--json", json_, "print JSON instead of text");
    }

    int run(CliContext& context) override {
        auto sae = core::load_sae(path_);
        if (!sae) {
            return context.report(sae.error());
        }
        if (json_) {
            std::cout << core::config_summary_json(sae->config()).dump(2) << '\n';
        } else {
            std::cout << core::describe(sae->config());
        }
        return 0;
    }

  private:
    std::string path_;
    bool json_ = false;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(SaeInfoCommand)

}  // namespace taxoscope::cli
