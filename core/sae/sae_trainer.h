// Training an SAE on cached activations (memory-mapped, never loaded whole). The recipe and the
// log format are in docs/sae.md; the options in core/sae/sae_training_options.h.
#pragma once

#include <filesystem>
#include <string>

#include "core/sae/sae_training_options.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct SaeTrainingReport {
    int64_t d_in = 0;
    int64_t d_sae = 0;
    int64_t first_step = 0;      // > 0 when resumed
    int64_t steps = 0;           // the run's total
    double train_seconds = 0.0;  // the step loop of this session only
    double steps_per_second = 0.0;
    // Held-out blocks (never trained on), through the inference kernel.
    int64_t heldout_rows = 0;
    double heldout_mse = 0.0;  // mean over elements
    double heldout_fvu = 0.0;
    double heldout_l0 = 0.0;
    double dead_fraction = 0.0;  // latents silent for the last dead_window steps at the end
};

inline constexpr const char* kTrainingCheckpointFile = "checkpoint.safetensors";

// Trains on `activations` ([N, d_in] float16/float32 .npy) and writes folder/cfg.json,
// folder/sae_weights.safetensors and folder/training_log.jsonl, each atomically, when done.
// Meanwhile folder/checkpoint.safetensors is written every checkpoint_every steps and when
// cancelled; with `resume` a run continues from it and ends exactly as an uninterrupted run
// would (same thread count). Without `resume` an existing checkpoint is refused, not clobbered.
// `hook_name` is recorded in cfg.json (the workspace layer).
Result<SaeTrainingReport> train_sae(const std::filesystem::path& activations,
                                    const std::filesystem::path& folder,
                                    const SaeTrainingOptions& options, bool resume,
                                    const std::string& hook_name, ProgressSink& progress,
                                    const CancelToken& cancel);

}  // namespace taxoscope::core
