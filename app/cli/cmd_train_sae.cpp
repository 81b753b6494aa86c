// `taxoscope-cli train-sae --workspace WS --layers all|L1,L2 ...`: one SAE per layer on the
// workspace's cached activations, written to sae/<layer>/ (docs/sae.md, "Training").
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli/comma_list.h"
#include "app/cli/command.h"
#include "app/cli/precision_option.h"
#include "core/sae/sae_io.h"
#include "core/sae/sae_trainer.h"
#include "core/store/workspace.h"

namespace taxoscope::cli {
namespace {

class TrainSaeCommand final : public Command {
  public:
    std::string name() const override { return "train-sae"; }
    std::string summary() const override {
        return "Train one SAE per layer (ReLU + L1 or TopK) on cached activations";
    }
    void add_options(CLI::App& sub) override {
        sub.add_option("--workspace", workspace_, "workspace folder")->required();
        sub.add_option("--layers", layers_, "'all' or a comma-separated list of layers")
            ->default_val("all");
        sub.add_option("--expansion", o_.expansion, "d_sae = expansion x d_in (default 8)")
            ->check(CLI::PositiveNumber);
        auto* l1 = sub.add_option("--l1", o_.l1_coefficient,
                                  "ReLU SAE with this L1 coefficient (default 5)")
                       ->check(CLI::NonNegativeNumber);
        auto* topk = sub.add_option("--topk", topk_, "TopK SAE with k active features")
                         ->check(CLI::PositiveNumber);
        l1->excludes(topk);
        sub.add_flag("--l1-decoder-norm", o_.l1_weighted_by_decoder_norm,
                     "weight the L1 penalty by decoder row norms instead of holding them at 1");
        sub.add_option("--steps", o_.steps, "training steps (default 10000)")
            ->check(CLI::PositiveNumber);
        sub.add_option("--batch", o_.batch, "rows per step (default 4096)")
            ->check(CLI::PositiveNumber);
        sub.add_option("--lr", o_.lr, "Adam learning rate (default 4e-4)")
            ->check(CLI::PositiveNumber);
        sub.add_option("--seed", o_.seed, "random seed (default 0)");
        sub.add_option("--b-dec-init", b_dec_init_, "geometric-median (default), mean or zero")
            ->check(CLI::IsMember({"geometric-median", "mean", "zero"}));
        sub.add_option("--log-every", o_.log_every, "steps between training_log.jsonl entries")
            ->check(CLI::PositiveNumber);
        sub.add_option("--checkpoint-every", o_.checkpoint_every,
                       "steps between checkpoints (0: only when interrupted)")
            ->check(CLI::NonNegativeNumber);
        sub.add_flag("--resume", resume_, "continue interrupted runs from their checkpoints");
        sub.add_flag("--force", force_, "replace SAEs the layers already have");
        add_precision_option(sub, o_.eval_precision)
            ->description("arithmetic of the held-out evaluation: f32 (default) or bf16");
    }

    int run(CliContext& context) override {
        auto workspace = core::Workspace::open(workspace_);
        if (!workspace) {
            return context.report(workspace.error());
        }
        if (topk_ > 0) {
            o_.architecture = core::Activation::TopK;
            o_.k = topk_;
        }
        o_.b_dec_init = b_dec_init_ == "mean"   ? core::DecoderBiasInit::Mean
                        : b_dec_init_ == "zero" ? core::DecoderBiasInit::Zero
                                                : core::DecoderBiasInit::GeometricMedian;
        const std::vector<std::string> layers =
            layers_ == "all" ? workspace->layer_names() : split_commas(layers_);
        if (layers.empty()) {
            return context.report({core::ErrorCode::InvalidArgument, "no layers to train"});
        }
        const auto& paths = workspace->paths();
        for (const auto& layer : layers) {
            // Checks the layer exists and its file matches the manifest before any work.
            auto activations = workspace->open_activations(layer);
            if (!activations) {
                return context.report(activations.error());
            }
            std::error_code ec;
            const bool interrupted =
                std::filesystem::exists(paths.sae_dir(layer) / core::kTrainingCheckpointFile, ec);
            if (!force_ && !(resume_ && interrupted) &&
                std::filesystem::exists(paths.sae_config(layer), ec)) {
                return context.report(
                    {core::ErrorCode::InvalidArgument,
                     paths.sae_dir(layer).string() +
                         " already holds an SAE; pass --force to train a new one"});
            }
        }
        for (const auto& layer : layers) {
            auto progress = context.make_progress();
            auto report = core::train_sae(paths.activations(layer), paths.sae_dir(layer), o_,
                                          resume_, layer, *progress, context.cancel());
            if (!report) {
                return context.report(report.error().with_context("layer " + layer));
            }
            char line[300];
            std::snprintf(line, sizeof line,
                          "%s: d_sae %lld, %.2f steps/s; held-out (%lld rows) FVU %.4f, L0 %.1f; "
                          "dead %.1f%% -> %s\n",
                          layer.c_str(), static_cast<long long>(report->d_sae),
                          report->steps_per_second, static_cast<long long>(report->heldout_rows),
                          report->heldout_fvu, report->heldout_l0, 100.0 * report->dead_fraction,
                          paths.sae_dir(layer).string().c_str());
            std::cout << line << std::flush;
        }
        return 0;
    }

  private:
    std::string workspace_;
    std::string layers_ = "all";
    std::string b_dec_init_ = "geometric-median";
    int64_t topk_ = 0;
    bool resume_ = false;
    bool force_ = false;
    core::SaeTrainingOptions o_;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(TrainSaeCommand)

}  // namespace taxoscope::cli
