// An SAE's encoder as plain LibTorch ops on the model's device, so that autograd can take
// dz_j/dinput through it (the kernel in core/compute is faster but not differentiable).
// Include from .cpp files only.
#pragma once

#include <torch/torch.h>

#include "core/sae/sae.h"

namespace taxoscope::core {

class SaeAutograd {
  public:
    SaeAutograd(const Sae& sae, const torch::Device& device);

    // x [N, d_in] float32 on the device -> z [N, d_sae]; the same maths as SaeKernel::encode
    // (activation scale, b_dec subtraction, ReLU / TopK / JumpReLU), differentiable in x.
    torch::Tensor encode(const torch::Tensor& x) const;

  private:
    torch::Tensor w_enc_;      // [d_in, d_sae]
    torch::Tensor b_enc_;      // [d_sae]
    torch::Tensor b_dec_;      // [d_in], undefined unless subtracted from the input
    torch::Tensor threshold_;  // [d_sae], JumpReLU only
    double scale_ = 1.0;
    Activation activation_ = Activation::ReLU;
    int64_t k_ = 0;
};

}  // namespace taxoscope::core
