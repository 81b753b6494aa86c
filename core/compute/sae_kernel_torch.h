// LibTorch face of core/compute/sae_kernel.h for code that already holds tensors (SAE loading,
// training, analysis). Include from .cpp files only: it pulls in ATen.
#pragma once

#include <ATen/core/Tensor.h>

#include "core/compute/sae_kernel.h"

namespace taxoscope::core {

// Tensors in SAELens orientation: w_enc [d_in, d_sae], b_enc [d_sae], b_dec [d_in] or undefined,
// w_dec [d_sae, d_in] or undefined, threshold [d_sae] or undefined. Any floating dtype.
struct SaeTensors {
    at::Tensor w_enc;
    at::Tensor b_enc;
    at::Tensor b_dec;
    at::Tensor w_dec;
    at::Tensor threshold;
    bool apply_b_dec_to_input = false;
};

Result<SaeKernel> prepare_sae_kernel(const SaeTensors& tensors, const KernelOptions& options);

// rows [B, d_in] of any floating dtype -> codes [B, d_sae] fp32 (B of any size).
Result<at::Tensor> encode_block(const SaeKernel& kernel, const at::Tensor& rows);
// codes [B, d_sae] -> reconstruction [B, d_in] fp32.
Result<at::Tensor> decode_block(const SaeKernel& kernel, const at::Tensor& codes);

}  // namespace taxoscope::core
