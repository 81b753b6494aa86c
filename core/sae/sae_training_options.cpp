#include "core/sae/sae_training_options.h"

#include <algorithm>

namespace taxoscope::core {

int64_t SaeTrainingOptions::resolved_lr_warmup() const {
    return lr_warmup_steps >= 0 ? lr_warmup_steps : steps / 20;
}

int64_t SaeTrainingOptions::resolved_l1_warmup() const {
    return l1_warmup_steps >= 0 ? l1_warmup_steps : steps / 20;
}

int64_t SaeTrainingOptions::resolved_resample_every() const {
    return resample_every >= 0 ? resample_every : std::max<int64_t>(steps / 8, 1);
}

int64_t SaeTrainingOptions::resolved_dead_window() const {
    return dead_window > 0 ? dead_window : std::max<int64_t>(resolved_resample_every() / 2, 1);
}

nlohmann::json SaeTrainingOptions::fingerprint(int64_t d_in) const {
    const char* init = b_dec_init == DecoderBiasInit::GeometricMedian ? "geometric_median"
                       : b_dec_init == DecoderBiasInit::Mean          ? "mean"
                                                                      : "zero";
    nlohmann::json j = {
        {"architecture", std::string(to_string(architecture))},
        {"d_in", d_in},
        {"d_sae", resolved_d_sae(d_in)},
        {"steps", steps},
        {"batch", batch},
        {"lr", lr},
        {"adam_betas", {adam_beta1, adam_beta2}},
        {"adam_eps", adam_eps},
        {"lr_warmup_steps", resolved_lr_warmup()},
        {"lr_decay_fraction", lr_decay_fraction},
        {"resample_every", resolved_resample_every()},
        {"dead_window", resolved_dead_window()},
        {"b_dec_init", init},
        {"seed", seed},
        {"sample_block_rows", sample_block_rows},
        {"holdout_period", holdout_period},
        {"gemm", onednn ? "oneDNN" : "BLAS"},
    };
    if (architecture == Activation::TopK) {
        j["k"] = k;
    } else {
        j["l1_coefficient"] = l1_coefficient;
        j["l1_warmup_steps"] = resolved_l1_warmup();
        j["l1_weighted_by_decoder_norm"] = l1_weighted_by_decoder_norm;
    }
    return j;
}

Result<void> validate(const SaeTrainingOptions& o, int64_t d_in) {
    auto bad = [](const std::string& what) { return fail(ErrorCode::InvalidArgument, what); };
    if (o.architecture == Activation::JumpReLU) {
        return bad("training supports ReLU + L1 and TopK; JumpReLU SAEs can only be imported");
    }
    if (d_in <= 0 || o.resolved_d_sae(d_in) <= 0) {
        return bad("the SAE needs d_in > 0 and d_sae > 0 (check --expansion)");
    }
    if (o.steps <= 0 || o.batch <= 0) {
        return bad("steps and batch must be positive");
    }
    if (!(o.lr > 0.0)) {
        return bad("the learning rate must be positive");
    }
    if (o.architecture == Activation::TopK && (o.k <= 0 || o.k > o.resolved_d_sae(d_in))) {
        return bad("TopK needs 0 < k <= d_sae (" + std::to_string(o.resolved_d_sae(d_in)) + ")");
    }
    if (o.architecture == Activation::ReLU && !(o.l1_coefficient >= 0.0)) {
        return bad("the L1 coefficient must be >= 0");
    }
    if (o.lr_decay_fraction < 0.0 || o.lr_decay_fraction > 1.0) {
        return bad("lr_decay_fraction must lie in [0, 1]");
    }
    if (o.log_every <= 0 || o.checkpoint_every < 0 || o.sample_block_rows <= 0) {
        return bad("log_every and sample_block_rows must be positive, checkpoint_every >= 0");
    }
    return {};
}

}  // namespace taxoscope::core
