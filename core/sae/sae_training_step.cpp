#include <ATen/ATen.h>

#include "core/sae/sae_training_step_torch.h"

namespace taxoscope::core {
namespace {

void adam_one(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, double lr,
              double beta1, double beta2, double eps, int64_t t) {
    m.mul_(beta1).add_(g, 1.0 - beta1);
    v.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
    const double bias1 = 1.0 - std::pow(beta1, static_cast<double>(t));
    const double bias2 = 1.0 - std::pow(beta2, static_cast<double>(t));
    const at::Tensor denom = (v.sqrt() / std::sqrt(bias2)).add_(eps);
    p.addcdiv_(m, denom, -lr / bias1);
}

// a [M, K] · b [K, N]. mkldnn_linear computes self · weightᵀ on oneDNN-layout tensors; the
// conversions are copies, cheap next to the product at SAE shapes (docs/sae.md has the figures).
at::Tensor product(const at::Tensor& a, const at::Tensor& b, bool onednn) {
    if (!onednn) {
        return at::mm(a, b);
    }
    const at::Tensor self = a.contiguous().to_mkldnn();
    const at::Tensor weight = b.t().contiguous().to_mkldnn();
    return at::mkldnn_linear(self, weight).to_dense();
}

}  // namespace

StepResult sae_step_gradients(const SaeParameters& p, const at::Tensor& x, const StepSettings& s) {
    const int64_t batch = x.size(0);
    const double inv_b = 1.0 / static_cast<double>(batch);
    StepResult r;
    const at::Tensor xc = x - p.b_dec;
    const bool dnn = s.onednn;
    at::Tensor z = product(xc, p.w_enc, dnn).add_(p.b_enc);  // pre-activations, then codes
    if (s.architecture == Activation::TopK) {
        const auto top = z.topk(s.k, 1, true, false);
        const at::Tensor values = std::get<0>(top).clamp_min(0.0);
        z.zero_().scatter_(1, std::get<1>(top), values);
    } else {
        z.clamp_min_(0.0);
    }
    const at::Tensor active = z.gt(0.0);
    at::Tensor x_hat = product(z, p.w_dec, dnn).add_(p.b_dec);
    r.residual = x - x_hat;
    r.row_error = r.residual.square().sum(1);
    r.squared_error = r.row_error.sum().item<double>();
    r.variance_sum = (x - x.mean(0)).square().sum().item<double>();
    r.fired = active.any(0);
    r.mean_l0 = active.sum().item<double>() * inv_b;

    // dL/dx̂ = 2(x̂ − x)/B
    const at::Tensor g_xhat = r.residual * (-2.0 * inv_b);
    r.grads.w_dec = product(z.t(), g_xhat, dnn);
    at::Tensor g_z = product(g_xhat, p.w_dec.t(), dnn);
    double penalty = 0.0;
    if (s.architecture == Activation::ReLU && s.l1_coefficient > 0.0) {
        if (s.l1_weighted_by_decoder_norm) {
            const at::Tensor norms = p.w_dec.norm(2, 1);
            const at::Tensor z_sum = z.sum(0);
            penalty = (z_sum * norms).sum().item<double>() * inv_b;
            g_z.add_(norms, s.l1_coefficient * inv_b);
            // d(λ/B Σ_b z_bj n_j)/dW_dec_j = λ/B (Σ_b z_bj) W_dec_j / n_j
            r.grads.w_dec.addcmul_((z_sum / norms.clamp_min(1e-12)).unsqueeze(1), p.w_dec,
                                   s.l1_coefficient * inv_b);
        } else {
            penalty = z.sum().item<double>() * inv_b;
            g_z.add_(s.l1_coefficient * inv_b);
        }
    }
    r.loss = r.squared_error * inv_b + s.l1_coefficient * penalty;
    const at::Tensor& g_pre = g_z.mul_(active);
    r.grads.w_enc = product(xc.t(), g_pre, dnn);
    r.grads.b_enc = g_pre.sum(0);
    // b_dec enters twice: added to x̂, and subtracted from the encoder input.
    r.grads.b_dec = g_xhat.sum(0) - at::mv(p.w_enc, r.grads.b_enc);
    return r;
}

void project_decoder_gradient(const at::Tensor& w_dec, at::Tensor& grad_w_dec) {
    const at::Tensor along = (grad_w_dec * w_dec).sum(1, true);
    grad_w_dec.sub_(along * w_dec);
}

void normalize_decoder_rows(at::Tensor& w_dec) {
    w_dec.div_(w_dec.norm(2, 1, true).clamp_min(1e-12));
}

AdamMoments zero_moments(const SaeParameters& like) {
    AdamMoments a;
    a.m = {at::zeros_like(like.w_enc), at::zeros_like(like.w_dec), at::zeros_like(like.b_enc),
           at::zeros_like(like.b_dec)};
    a.v = {at::zeros_like(like.w_enc), at::zeros_like(like.w_dec), at::zeros_like(like.b_enc),
           at::zeros_like(like.b_dec)};
    return a;
}

void adam_update(SaeParameters& p, const SaeParameters& g, AdamMoments& a, double lr, double beta1,
                 double beta2, double eps) {
    a.t += 1;
    adam_one(p.w_enc, g.w_enc, a.m.w_enc, a.v.w_enc, lr, beta1, beta2, eps, a.t);
    adam_one(p.w_dec, g.w_dec, a.m.w_dec, a.v.w_dec, lr, beta1, beta2, eps, a.t);
    adam_one(p.b_enc, g.b_enc, a.m.b_enc, a.v.b_enc, lr, beta1, beta2, eps, a.t);
    adam_one(p.b_dec, g.b_dec, a.m.b_dec, a.v.b_dec, lr, beta1, beta2, eps, a.t);
}

}  // namespace taxoscope::core
