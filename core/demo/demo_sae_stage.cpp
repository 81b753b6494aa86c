#include "core/demo/demo_sae_stage.h"

#include <chrono>
#include <cmath>
#include <system_error>
#include <vector>

#include "core/sae/sae_trainer.h"

namespace taxoscope::core {
namespace {

// The per-dimension standard deviation of a layer's float32 activations.
Result<double> activation_std(const Workspace& workspace, const std::string& layer) {
    auto npy = workspace.open_activations(layer);
    if (!npy) {
        return fail(npy.error());
    }
    const auto view = npy->view();
    if (view.dtype != DType::F32 || view.shape.size() != 2 || view.shape[0] < 2) {
        return fail(ErrorCode::Unsupported, workspace.paths().activations(layer).string() +
                                                ": the demo expects float32 [N, D] activations");
    }
    const int64_t n = view.shape[0];
    const int64_t d = view.shape[1];
    const float* x = view.as<float>();
    std::vector<double> mean(static_cast<size_t>(d), 0.0);
    for (int64_t i = 0; i < n * d; ++i) {
        mean[static_cast<size_t>(i % d)] += x[i];
    }
    for (double& m : mean) {
        m /= static_cast<double>(n);
    }
    double squares = 0.0;
    for (int64_t i = 0; i < n * d; ++i) {
        const double centred = x[i] - mean[static_cast<size_t>(i % d)];
        squares += centred * centred;
    }
    return std::sqrt(squares / static_cast<double>(n * d));
}

}  // namespace

Result<DemoSaeOutcome> run_demo_sae_stage(const Workspace& workspace, const std::string& layer,
                                          const DemoSaePlan& plan, ProgressSink& progress,
                                          const CancelToken& cancel) {
    const auto& paths = workspace.paths();
    DemoSaeOutcome outcome;
    outcome.stage = "sae " + layer;
    std::error_code ec;
    const bool interrupted =
        std::filesystem::exists(paths.sae_dir(layer) / kTrainingCheckpointFile, ec);
    if (std::filesystem::exists(paths.sae_config(layer), ec) && !interrupted) {
        outcome.note = "SAE already trained";
        return outcome;
    }
    auto scale = activation_std(workspace, layer);
    if (!scale) {
        return fail(scale.error());
    }
    SaeTrainingOptions options;
    options.architecture = Activation::ReLU;
    options.expansion = 8;
    options.l1_coefficient = plan.unit_l1_coefficient * *scale;
    options.steps = plan.steps;
    options.batch = plan.batch;
    options.seed = plan.seed;
    options.log_every = plan.log_every;
    options.checkpoint_every = plan.checkpoint_every;
    const auto start = std::chrono::steady_clock::now();
    auto report = train_sae(paths.activations(layer), paths.sae_dir(layer), options, interrupted,
                            layer, progress, cancel);
    if (!report) {
        return fail(report.error().with_context("layer " + layer));
    }
    outcome.ran = true;
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    outcome.details = {{"heldout_fvu", report->heldout_fvu},
                       {"heldout_l0", report->heldout_l0},
                       {"dead_fraction", report->dead_fraction},
                       {"d_sae", report->d_sae},
                       {"steps", report->steps},
                       {"activation_std", *scale},
                       {"l1_coefficient", options.l1_coefficient}};
    return outcome;
}

}  // namespace taxoscope::core
