// Everything a training run needs to continue exactly where it stopped, and its checkpoint file.
// Include from .cpp files only: it pulls in ATen.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sae/block_sampler.h"
#include "core/sae/sae_training_step_torch.h"

namespace taxoscope::core {

struct TrainingState {
    SaeParameters params;
    AdamMoments adam;
    at::Tensor steps_since_fired;  // [d_sae] int64
    int64_t step = 0;              // steps completed
    std::vector<std::string> log_lines;
};

// Writes the state, the generator and the sampler position, and the run's fingerprint.
Result<void> save_checkpoint(const std::filesystem::path& path, const TrainingState& state,
                             const TrainingRng& rng, const BlockSampler& sampler,
                             const nlohmann::json& fingerprint);

// Restores into `state`, `rng` and `sampler`; refuses a checkpoint of a different run.
Result<void> load_checkpoint(const std::filesystem::path& path, const nlohmann::json& fingerprint,
                             TrainingState& state, TrainingRng& rng, BlockSampler& sampler);

}  // namespace taxoscope::core
