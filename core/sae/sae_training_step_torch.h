// One SAE training step written out by hand (forward, exact gradients, Adam, the decoder-norm
// constraint), for the trainer and its tests. Include from .cpp files only: it pulls in ATen.
//
// Hand-written rather than autograd because the gradient of b_dec through the encoder input
// needs no [B, d_sae] x [d_sae, d_in] product: Σ_b g_pre·W_encᵀ = W_enc·(Σ_b g_pre), so a step
// costs five large GEMMs instead of autograd's six.
#pragma once

#include <ATen/core/Tensor.h>

#include "core/compute/sae_kernel.h"

namespace taxoscope::core {

// fp32 parameters in SAELens orientation; the encoder always sees x − b_dec.
struct SaeParameters {
    at::Tensor w_enc;  // [d_in, d_sae]
    at::Tensor w_dec;  // [d_sae, d_in]
    at::Tensor b_enc;  // [d_sae]
    at::Tensor b_dec;  // [d_in]
};

struct StepSettings {
    Activation architecture = Activation::ReLU;  // ReLU or TopK
    // The five large products through oneDNN (mkldnn_linear) instead of the loaded BLAS. A fixed
    // choice, never measured per run: the two round differently, and a run must be repeatable.
    bool onednn = false;
    int64_t k = 0;
    double l1_coefficient = 0.0;  // the effective (warmed-up) one; ReLU only
    bool l1_weighted_by_decoder_norm = false;
};

struct StepResult {
    SaeParameters grads;
    at::Tensor fired;      // [d_sae] bool: fired on some row of the batch
    at::Tensor residual;   // [B, d_in] x − x̂
    at::Tensor row_error;  // [B] Σ_d (x − x̂)²
    double loss = 0.0;     // mean_b Σ_d (x − x̂)² + λ·mean_b Σ_j z_j·(‖W_dec_j‖ or 1)
    double squared_error = 0.0;  // Σ (x − x̂)²
    double variance_sum = 0.0;   // Σ (x − mean_batch(x))²
    double mean_l0 = 0.0;
};

// Loss L = (1/B) Σ_b [ ‖x_b − x̂_b‖² + λ Σ_j z_bj·n_j ], n_j = ‖W_dec_j‖ (weighted) or 1.
StepResult sae_step_gradients(const SaeParameters& params, const at::Tensor& x,
                              const StepSettings& settings);

// Drops the component of each decoder row's gradient along the row (rows are unit vectors).
void project_decoder_gradient(const at::Tensor& w_dec, at::Tensor& grad_w_dec);
void normalize_decoder_rows(at::Tensor& w_dec);

struct AdamMoments {
    SaeParameters m;
    SaeParameters v;
    int64_t t = 0;
};

AdamMoments zero_moments(const SaeParameters& like);

// torch.optim.Adam's update (no weight decay, no amsgrad), written the same way.
void adam_update(SaeParameters& params, const SaeParameters& grads, AdamMoments& moments, double lr,
                 double beta1, double beta2, double eps);

}  // namespace taxoscope::core
