// `taxoscope-cli analyze --workspace WS [--layers all|L1,L2] [--topk 32] [--theta 0.5] [--tau 0]
// [--seed S] [--device auto|cpu|cuda[:N]] [--precision f32|bf16|f16]`: feature statistics, taxonomy
// alignment and the layer profile of every layer with an SAE, into analysis/ (docs/analysis.md).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "app/cli/comma_list.h"
#include "app/cli/command.h"
#include "app/cli/device_option.h"
#include "app/cli/precision_option.h"
#include "core/analysis/workspace_analysis.h"

namespace taxoscope::cli {
namespace {

class AnalyzeCommand final : public Command {
  public:
    std::string name() const override { return "analyze"; }
    std::string summary() const override {
        return "Feature statistics, taxonomy alignment and layer profile of each layer's SAE";
    }
    void add_options(CLI::App& sub) override {
        sub.add_option("--workspace", workspace_, "workspace folder")->required();
        sub.add_option("--layers", layers_, "'all' or a comma-separated list of layers")
            ->default_val("all");
        sub.add_option("--topk", o_.k, "top images kept per feature (default 32)")
            ->check(CLI::Range(int64_t{1}, int64_t{4096}));
        sub.add_option("--theta", o_.theta, "F1 threshold of ontological coverage (default 0.5)")
            ->check(CLI::Range(0.0, 1.0));
        sub.add_option("--tau", o_.tau,
                       "a feature fires on an image iff z > tau (default 0; must be >= 0)");
        sub.add_option("--seed", o_.seed,
                       "seed of the shuffled-label baseline and the probe's subsampling "
                       "(default 0)");
        sub.add_option("--taxonomy", taxonomy_,
                       "custom taxonomy TSV or taxonomy.json (default: the workspace's "
                       "taxonomy.json, else WordNet over the workspace's classes)");
        sub.add_flag("--no-probe", no_probe_, "skip the linear probe (probe_acc is null)");
        sub.add_option("--probe-max-train", o_.probe.max_train_rows,
                       "train rows of the linear probe, subsampled by seed (default 10000)")
            ->check(CLI::PositiveNumber);
        sub.add_flag("--force", force_, "recompute layers whose analysis is up to date");
        o_.device = "auto";  // the library's default is the CPU; the command's, as extract's
        add_sae_device_option(sub, o_.device);
        add_precision_option(sub, o_.precision, PrecisionChoices::CpuAndCuda);
    }

    int run(CliContext& context) override {
        auto workspace = core::Workspace::open(workspace_);
        if (!workspace) {
            return context.report(workspace.error());
        }
        o_.run_probe = !no_probe_;
        o_.probe.seed = o_.seed;
        const std::vector<std::string> layers =
            layers_ == "all" ? layers_with_sae(*workspace) : split_commas(layers_);
        if (layers.empty()) {
            return context.report(
                {core::ErrorCode::NotFound, workspace_ + ": no layer has an SAE yet (train-sae or "
                                                         "import-sae first)"});
        }
        auto taxonomy = [&] {
            auto progress = context.make_progress();
            return core::workspace_taxonomy(*workspace, taxonomy_, *progress, context.cancel());
        }();
        if (!taxonomy) {
            return context.report(taxonomy.error());
        }
        auto labels = core::workspace_labels(*workspace, *taxonomy);
        if (!labels) {
            return context.report(labels.error());
        }
        for (const auto& layer : layers) {
            auto progress = context.make_progress();
            if (!context.options().quiet) {
                std::cerr << "layer " << layer << "\n";
            }
            auto outcome = core::analyze_workspace_layer(*workspace, layer, *taxonomy, *labels, o_,
                                                         force_, *progress, context.cancel());
            if (!outcome) {
                return context.report(outcome.error().with_context("layer " + layer));
            }
            print(*outcome);
        }
        return 0;
    }

  private:
    // Every manifest layer whose SAE folder exists, in manifest order.
    static std::vector<std::string> layers_with_sae(const core::Workspace& workspace) {
        std::vector<std::string> out;
        std::error_code ec;
        for (const auto& layer : workspace.layer_names()) {
            if (std::filesystem::exists(workspace.paths().sae_dir(layer), ec)) {
                out.push_back(layer);
            }
        }
        return out;
    }

    static void print(const core::LayerOutcome& outcome) {
        const core::LayerSummary& s = outcome.summary;
        char line[400];
        std::snprintf(line, sizeof line,
                      "%s%s: probe acc %s, FVU %.4f, L0 %.1f, dead %.1f%%, coverage %.3f "
                      "(shuffled labels %.3f)\n",
                      s.layer.c_str(), outcome.skipped ? " (up to date, skipped)" : "",
                      std::isnan(s.probe_acc) ? "n/a" : std::to_string(s.probe_acc).c_str(), s.fvu,
                      s.l0, 100.0 * s.dead_frac, s.coverage, s.coverage_baseline);
        std::cout << line << std::flush;
    }

    std::string workspace_;
    std::string layers_ = "all";
    std::string taxonomy_;
    bool no_probe_ = false;
    bool force_ = false;
    core::AnalysisOptions o_;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(AnalyzeCommand)

}  // namespace taxoscope::cli
