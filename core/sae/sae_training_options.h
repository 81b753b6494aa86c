// The training recipe (docs/sae.md, "Training"): defaults follow the paper's ReLU + L1 SAE.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/compute/precision.h"
#include "core/compute/sae_kernel.h"

namespace taxoscope::core {

enum class DecoderBiasInit {
    GeometricMedian,  // of a sample of training rows (Weiszfeld iterations)
    Mean,
    Zero,
};

struct SaeTrainingOptions {
    int64_t expansion = 8;  // d_sae = expansion * d_in ...
    int64_t d_sae = 0;      // ... unless this is set
    // ReLU with an L1 penalty (the paper's), or TopK(k) with no penalty.
    Activation architecture = Activation::ReLU;
    double l1_coefficient = 5.0;
    // Penalise z_j·‖W_dec_j‖ and let decoder rows take any norm, instead of holding them at 1.
    bool l1_weighted_by_decoder_norm = false;
    int64_t k = 32;

    int64_t steps = 10000;
    int64_t batch = 4096;
    double lr = 4e-4;
    double adam_beta1 = 0.9;
    double adam_beta2 = 0.999;
    double adam_eps = 1e-8;
    int64_t lr_warmup_steps = -1;    // -1: 5% of steps; linear from 0
    double lr_decay_fraction = 0.2;  // linear decay to 0 over this last fraction of steps
    int64_t l1_warmup_steps = -1;    // -1: 5% of steps; the coefficient ramps up from 0

    // Dead latents: none fired in the last `dead_window` steps. Every `resample_every` steps
    // (until 3/4 of the run) they are re-initialised towards badly reconstructed rows.
    int64_t resample_every = -1;  // -1: steps / 8; 0: never
    int64_t dead_window = -1;     // -1: resample_every / 2 (at least 1)

    DecoderBiasInit b_dec_init = DecoderBiasInit::GeometricMedian;
    uint64_t seed = 0;
    int64_t sample_block_rows = 32;  // consecutive rows per sampled block
    int64_t holdout_period = 20;     // every 20th block is held out for the final metrics
    int64_t eval_rows = 8192;        // at most this many held-out rows are evaluated
    Precision eval_precision = Precision::F32;
    // Training products through oneDNN (default) or the loaded BLAS. A fixed rule, not a timing,
    // so that a seed gives the same SAE on every run. bench_sae, 2 threads: 0.585 vs 0.22 steps/s
    // at 768 x 6144, batch 4096 (Xeon, OpenBLAS on its generic kernels), 148 vs 105 at 64 x 512,
    // batch 1,024, and 0.159 vs 0.105 at 768 x 6144 on a Zen 5 (OpenBLAS Haswell kernels).
    bool onednn = true;

    int64_t log_every = 100;          // training_log.jsonl entry (and progress note)
    int64_t checkpoint_every = 1000;  // 0: only when cancelled

    // The resolved values (after -1 defaults) that a resumed run must share with the original.
    nlohmann::json fingerprint(int64_t d_in) const;
    int64_t resolved_d_sae(int64_t d_in) const { return d_sae > 0 ? d_sae : expansion * d_in; }
    int64_t resolved_lr_warmup() const;
    int64_t resolved_l1_warmup() const;
    int64_t resolved_resample_every() const;
    int64_t resolved_dead_window() const;
};

Result<void> validate(const SaeTrainingOptions& options, int64_t d_in);

}  // namespace taxoscope::core
