// A sparse autoencoder in memory: its config and its weights in SAELens orientation, fp32.
// Every loader produces one of these; the kernel in core/compute runs its products.
#pragma once

#include <cstdint>
#include <vector>

#include "core/compute/sae_kernel.h"
#include "core/sae/sae_config.h"

namespace taxoscope::core {

// Row-major fp32 parameters, SAELens orientation.
struct SaeWeights {
    std::vector<float> w_enc;      // [d_in, d_sae]
    std::vector<float> w_dec;      // [d_sae, d_in]
    std::vector<float> b_enc;      // [d_sae]
    std::vector<float> b_dec;      // [d_in]
    std::vector<float> threshold;  // [d_sae] for JumpReLU, else empty
};

class Sae {
  public:
    // Checks every size against the config, that JumpReLU has a threshold and TopK a k, and
    // that no weight is NaN or infinite. `where` names the source in messages.
    static Result<Sae> create(SaeConfig config, SaeWeights weights, const std::string& where);

    const SaeConfig& config() const { return config_; }
    SaeConfig& mutable_config() { return config_; }
    const SaeWeights& weights() const { return weights_; }

    // The kernel for this SAE, with the constant activation scale folded into its weights so
    // that it encodes raw activations and decodes back to their scale.
    Result<SaeKernel> make_kernel(Precision precision = Precision::F32,
                                  GemmBackend backend = GemmBackend::Auto) const;
    // The same with every choice of `compute` (precision, backend, block rows, device); its
    // activation and k are replaced by this SAE's own.
    Result<SaeKernel> make_kernel(const KernelOptions& compute) const;

  private:
    Sae(SaeConfig config, SaeWeights weights)
        : config_(std::move(config)), weights_(std::move(weights)) {}
    SaeConfig config_;
    SaeWeights weights_;
};

}  // namespace taxoscope::core
