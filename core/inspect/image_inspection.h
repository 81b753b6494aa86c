// What one image does to a model's layers and their SAEs: the image-level SAE code of every
// layer (its top features), and per feature two maps over the layer's patch grid: the patch
// projection (the SAE applied to every patch token) and a gradient relevancy map (dz_j/dinput,
// gradient x input pooled per patch). docs/inspect.md gives the exact recipes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/inspect/prepared_image.h"
#include "core/model/model_runner.h"
#include "core/sae/sae.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct FeatureActivation {
    int64_t feature = 0;
    float value = 0.0f;
};

// The cells of a layer's spatial positions: ViT patch tokens in row-major order (prefix
// tokens excluded), or the H x W positions of a CNN feature map.
struct PatchGrid {
    int rows = 0;
    int cols = 0;
    int prefix_tokens = 0;  // tokens before the patches ([B, T, D] layers only)
    int cells() const { return rows * cols; }
};

struct FeatureMaps {
    int64_t feature = 0;
    float activation = 0.0f;       // the image-level code z_j
    std::vector<float> patch;      // [rows * cols] z_j of every patch token (row-major)
    std::vector<float> relevance;  // [rows * cols] mean |dz_j/dx * x| summed over channels
    // Both maps upsampled bilinearly (half-pixel centres) to the model's input, [H * W].
    std::vector<float> patch_pixels;
    std::vector<float> relevance_pixels;
};

struct LayerInspection {
    std::string layer;
    LayerKind kind = LayerKind::Pooled;
    int64_t d_sae = 0;
    std::vector<float> codes;            // [d_sae] the image-level code
    std::vector<FeatureActivation> top;  // largest codes first (ties: lower index); > 0 only
    PatchGrid grid;                      // rows = cols = 0 for pooled layers
    std::vector<FeatureMaps> maps;       // for `top` (or the requested features)
    std::string note;                    // why `maps` is empty, when it is
};

struct LayerRequest {
    std::string layer;
    const Sae* sae = nullptr;       // must outlive the call
    std::vector<int64_t> features;  // maps for these; empty: for the top features
};

struct InspectOptions {
    int top = 10;
    // How the image-level vector is taken from [B, T, D] layers (the workspace's token choice).
    TokenChoice token = TokenChoice::Auto;
    bool maps = true;       // patch projections (cheap)
    bool relevance = true;  // gradient maps (one backward pass per feature and layer)
};

struct ImageInspection {
    int input_width = 0;
    int input_height = 0;
    std::string device;
    std::vector<LayerInspection> layers;
};

// Pooled layers get codes and top features, with `note` saying why they have no maps.
// Errors: an unknown layer, an SAE whose d_in differs from the layer's width, a feature
// index outside the SAE, a token count that is no grid; Cancelled between layers.
Result<ImageInspection> inspect_image(ModelRunner& runner, const PreparedImage& image,
                                      const std::vector<LayerRequest>& layers,
                                      const InspectOptions& options, ProgressSink& progress,
                                      const CancelToken& cancel);

// The grid of a layer, or an error saying why it has none (pooled [B, D], or a patch count
// that is not rows x cols with the input's aspect ratio).
Result<PatchGrid> patch_grid(const LayerInfo& layer, const ModelMetadata& metadata);

// The top `count` features of a code with value > 0, largest first, ties by lower index.
std::vector<FeatureActivation> top_features(const std::vector<float>& codes, int count);

}  // namespace taxoscope::core
