// How one layer's output becomes one vector per image (the "token choice").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

enum class TokenChoice {
    Auto,  // cls when the metadata declares a class token, else mean
    Cls,   // token 0 of [B, T, D]
    Mean,  // mean over the patch tokens of [B, T, D] (prefix tokens excluded)
};

enum class LayerKind {
    Pooled,      // [B, D]: stored as is
    Tokens,      // [B, T, D]: reduced by the token choice
    FeatureMap,  // [B, C, H, W]: spatial mean over H, W (positions are the patch tokens)
};

struct LayerInfo {
    std::string name;
    LayerKind kind = LayerKind::Pooled;
    std::vector<int64_t> shape;  // per image, without the batch dimension
    int64_t dim = 0;             // D (or C): the width of the stored vector
};

Result<TokenChoice> parse_token_choice(const std::string& text);  // "auto", "cls", "mean"
std::string to_string(TokenChoice choice);
std::string to_string(LayerKind kind);

// `requested` empty or {"all"}: every layer, in model order. Otherwise each must exist; an
// unknown name fails with the list of available ones. Duplicates are dropped.
Result<std::vector<LayerInfo>> select_layers(const std::vector<LayerInfo>& available,
                                             const std::vector<std::string>& requested,
                                             const std::string& model_name);

}  // namespace taxoscope::core
