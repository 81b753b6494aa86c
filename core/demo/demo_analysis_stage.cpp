#include "core/demo/demo_analysis_stage.h"

#include "core/analysis/workspace_analysis.h"

namespace taxoscope::core {

Result<bool> run_analysis_stage(const Workspace& workspace, uint64_t seed, ProgressSink& progress,
                                const CancelToken& cancel) {
    // The same calls `taxoscope-cli analyze` makes; layers already analysed are skipped there.
    auto taxonomy = workspace_taxonomy(workspace, {}, progress, cancel);
    if (!taxonomy) {
        return fail(taxonomy.error());
    }
    auto labels = workspace_labels(workspace, *taxonomy);
    if (!labels) {
        return fail(labels.error());
    }
    AnalysisOptions options;
    options.seed = seed;
    options.probe.seed = seed;
    bool analysed = false;
    for (const std::string& layer : workspace.layer_names()) {
        if (!std::filesystem::exists(workspace.paths().sae_dir(layer))) {
            continue;
        }
        auto outcome = analyze_workspace_layer(workspace, layer, *taxonomy, *labels, options, false,
                                               progress, cancel);
        if (!outcome) {
            return fail(outcome.error().with_context("analysing layer " + layer));
        }
        analysed = analysed || !outcome->skipped;
    }
    return analysed;
}

}  // namespace taxoscope::core
