// The demo's analysis stage, kept apart so the analysis engine plugs in at one place.
#pragma once

#include "core/store/workspace.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

// Must write analysis/<layer>.safetensors and analysis/summary.json for every layer that has an
// SAE, through the same core call that `taxoscope-cli analyze` makes, with the demo's seed for the
// shuffled-label baseline.
// Returns whether any layer was analysed (false: every layer was already up to date).
Result<bool> run_analysis_stage(const Workspace& workspace, uint64_t seed, ProgressSink& progress,
                                const CancelToken& cancel);

}  // namespace taxoscope::core
