// Loaders for each SAE layout on disk (docs/sae.md lists the files, tensors and conventions).
// core/sae/sae_io.h picks one by looking at the folder; call these directly only to force one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/sae/sae.h"

namespace taxoscope::core {

struct SaeLoadOptions {
    // The width of the activations the SAE will encode (a workspace layer's D); 0 = unknown.
    // An SAE whose d_in differs is refused, naming the file, the tensor and both widths.
    int64_t expected_d_in = 0;
    std::string layer;  // for messages
};

// cfg.json + sae_weights.safetensors (SAELens current or pre-6.0 keys, and our own).
Result<Sae> load_saelens_sae(const std::filesystem::path& folder, const SaeLoadOptions& options);
// cfg.json + sae.safetensors (EleutherAI sparsify).
Result<Sae> load_sparsify_sae(const std::filesystem::path& folder, const SaeLoadOptions& options);
// ae.pt (a torch.save'd state dict) + config.json (saprmarks/dictionary_learning).
Result<Sae> load_dictionary_learning_sae(const std::filesystem::path& folder,
                                         const SaeLoadOptions& options);

// Refuses an SAE whose d_in is not the layer's width; `tensor` is where d_in was read from.
Result<void> check_layer_width(int64_t d_in, const std::string& tensor,
                               const SaeLoadOptions& options);

}  // namespace taxoscope::core
