// The three stages of the New Workspace pipeline — extract, SAEs (train or import), analyze —
// as synchronous functions over core, the same calls the CLI commands make (app/cli/cmd_*.cpp).
// Each stage skips what is already complete, so running the pipeline again on the folder of a
// cancelled run continues it. A stage that fails (other than by cancellation) removes what it
// created in this run; a cancelled one leaves its resumable state (progress records,
// checkpoints) behind. The returned text is a short, human-readable account of the stage.
#pragma once

#include <string>

#include "core/store/workspace.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"
#include "ui/pipeline/pipeline_settings.h"

namespace taxoscope::ui {

// activations/, images.tsv, workspace.json (core::extract_activations). Skipped when the folder
// already holds workspace.json.
core::Result<std::string> run_extract_stage(const PipelineSettings& settings,
                                            core::ProgressSink& progress,
                                            const core::CancelToken& cancel);

// sae/<layer>/ for every chosen layer (core::train_sae or core::load_sae + save_sae). A layer
// with a finished SAE is skipped; one with a training checkpoint is resumed.
core::Result<std::string> run_sae_stage(const PipelineSettings& settings,
                                        core::ProgressSink& progress,
                                        const core::CancelToken& cancel);

// taxonomy.json, analysis/<layer>.safetensors and analysis/summary.json
// (core::analyze_workspace_layer; up-to-date layers are skipped).
core::Result<std::string> run_analysis_stage(const PipelineSettings& settings,
                                             core::ProgressSink& progress,
                                             const core::CancelToken& cancel);

// The layers the SAE and analysis stages work on: the chosen ones, or every workspace layer.
std::vector<std::string> pipeline_layers(const PipelineSettings& settings,
                                         const core::Workspace& workspace);

}  // namespace taxoscope::ui
