// `taxoscope-cli demo --out DIR [--quick] [--seed S]`: the embedded demo workspace, built from
// Debian's Fashion-MNIST and WordNet (docs/demo.md).
#include <cstdio>
#include <iostream>

#include "app/cli/command.h"
#include "core/demo/demo_run.h"

namespace taxoscope::cli {
namespace {

class DemoCommand final : public Command {
  public:
    std::string name() const override { return "demo"; }
    std::string summary() const override {
        return "Build the demo workspace: train a tiny ViT on Fashion-MNIST, extract, train SAEs "
               "(resumable)";
    }

    void add_options(CLI::App& sub) override {
        sub.add_option("--out", options_.out, "demo folder to create (or to resume)")->required();
        sub.add_flag("--quick", options_.quick,
                     "a few hundred images and short training (seconds; for tests)");
        sub.add_option("--seed", options_.seed, "random seed (default 0)");
        sub.add_option("--fashion-mnist", options_.fashion_mnist_dir,
                       "folder with Fashion-MNIST's IDX .gz files (default: "
                       "/usr/share/datasets/fashion-mnist)");
    }

    int run(CliContext& context) override {
        auto progress = context.make_progress();
        auto result = core::run_demo(options_, *progress, context.cancel());
        progress.reset();
        if (!result) {
            return context.report(result.error());
        }
        for (const auto& stage : result->stages) {
            if (stage.ran) {
                std::printf("%-12s %7.1f s\n", stage.name.c_str(), stage.seconds);
            } else {
                std::printf("%-12s skipped: %s\n", stage.name.c_str(), stage.note.c_str());
            }
        }
        std::printf("model test accuracy %.2f%%\nworkspace %s\n", 100.0 * result->model_test_acc,
                    result->workspace.string().c_str());
        std::fflush(stdout);
        return 0;
    }

  private:
    core::DemoOptions options_;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(DemoCommand)

}  // namespace taxoscope::cli
