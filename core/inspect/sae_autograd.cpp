#include "core/inspect/sae_autograd_torch.h"

namespace taxoscope::core {
namespace {

torch::Tensor to_device(const std::vector<float>& values, const torch::Device& device,
                        std::vector<int64_t> shape) {
    return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat)
        .to(device, /*non_blocking=*/false, /*copy=*/true);
}

}  // namespace

SaeAutograd::SaeAutograd(const Sae& sae, const torch::Device& device)
    : scale_(sae.config().activation_scale),
      activation_(sae.config().architecture),
      k_(sae.config().k) {
    const auto& config = sae.config();
    const auto& w = sae.weights();
    w_enc_ = to_device(w.w_enc, device, {config.d_in, config.d_sae});
    b_enc_ = to_device(w.b_enc, device, {config.d_sae});
    if (config.apply_b_dec_to_input) {
        b_dec_ = to_device(w.b_dec, device, {config.d_in});
    }
    if (activation_ == Activation::JumpReLU) {
        threshold_ = to_device(w.threshold, device, {config.d_sae});
    }
}

torch::Tensor SaeAutograd::encode(const torch::Tensor& x) const {
    // As Sae::make_kernel folds it: the SAE sees scale * x, and b_dec is subtracted after.
    torch::Tensor input = scale_ == 1.0 ? x : x * scale_;
    if (b_dec_.defined()) {
        input = input - b_dec_;
    }
    const torch::Tensor pre = torch::addmm(b_enc_, input, w_enc_);
    switch (activation_) {
        case Activation::ReLU:
            return torch::relu(pre);
        case Activation::TopK: {
            const auto [values, indices] = pre.topk(k_, 1);
            return torch::zeros_like(pre).scatter(1, indices, torch::relu(values));
        }
        case Activation::JumpReLU:
            return pre * (pre > threshold_).logical_and(pre > 0).to(pre.scalar_type());
    }
    return torch::relu(pre);
}

}  // namespace taxoscope::core
