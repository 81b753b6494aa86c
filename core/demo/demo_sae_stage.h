// The demo's SAE stage for one layer. Kept apart from the extraction side because
// core/model/model_runner.h and core/compute/precision.h both declare a `Precision` enum.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/store/workspace.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

// ReLU + L1, expansion x8 (the paper's recipe through core/sae's trainer).
struct DemoSaePlan {
    int64_t steps = 3000;
    int64_t batch = 1024;
    int64_t log_every = 100;
    int64_t checkpoint_every = 500;
    uint64_t seed = 0;
    // The L1 coefficient for activations of unit variance per dimension. The squared error
    // scales with the square of the activations and the penalty linearly, so each layer's SAE
    // gets this times its activations' standard deviation (the same trade-off at every layer).
    double unit_l1_coefficient = 2.0;
};

struct DemoSaeOutcome {
    std::string stage;  // "sae <layer>"
    bool ran = false;   // false: the layer already had a finished SAE
    double seconds = 0.0;
    nlohmann::json details;  // held-out FVU, L0, dead fraction, the L1 coefficient used
    std::string note;
};

// Trains sae/<layer>/ unless it is finished; continues from a checkpoint when one is there.
Result<DemoSaeOutcome> run_demo_sae_stage(const Workspace& workspace, const std::string& layer,
                                          const DemoSaePlan& plan, ProgressSink& progress,
                                          const CancelToken& cancel);

}  // namespace taxoscope::core
