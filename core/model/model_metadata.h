// taxoscope.json, the metadata a model carries inside its TorchScript archive (an extra file):
// how to preprocess, which layers in which order, and how its tokens are laid out.
#pragma once

#include <string>
#include <vector>

#include "core/data/preprocess.h"
#include "core/util/error.h"

namespace taxoscope::core {

struct ModelMetadata {
    PreprocessSpec preprocess;  // defaults: 224x224, shorter side 256 + crop, ImageNet mean/std
    std::vector<std::string> layers;  // output order; names a tuple's entries; empty = as returned
    bool class_token = false;         // token 0 of [B, T, D] outputs is a class token
    int prefix_tokens = -1;           // tokens before the patches (class + registers); -1 = auto
    std::string class_set;            // e.g. "imagenet1k" when the model has logits
    bool present = false;             // false: the archive had no taxoscope.json (defaults used)

    // Tokens excluded from the patch mean: prefix_tokens, or 1 with a class token, else 0.
    int patch_token_offset() const {
        return prefix_tokens >= 0 ? prefix_tokens : (class_token ? 1 : 0);
    }
};

// Accepts:
// {"format": 1, "input_size": [H, W] | N, "resize": "shorter-side-crop" | "plain",
//  "resize_shorter": N, "mean": [r, g, b], "std": [r, g, b], "layers": ["..."],
//  "token_layout": {"class_token": bool, "prefix_tokens": N}, "class_set": "imagenet1k"}
// Every key is optional; missing keys keep the defaults above. `where` names the source.
Result<ModelMetadata> parse_model_metadata(const std::string& json_text, const std::string& where);
std::string model_metadata_to_json(const ModelMetadata& metadata);

}  // namespace taxoscope::core
