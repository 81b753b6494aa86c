// Fixtures for patch-map tests: models whose features have a known place in the image, SAEs
// planted to detect colours, and an image with one red patch on a blue background.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>

#include "core/sae/sae.h"

namespace taxoscope::test {

// The red patch of red_patch_image(): grid cell (1, 2) of the 4x4 grid of 4x4-pixel patches.
inline constexpr int kRedRow = 1;
inline constexpr int kRedCol = 2;
inline constexpr int kRedCell = kRedRow * 4 + kRedCol;

// 16x16 input, 4x4 patches. "embed" [B,17,4]: a zero class token, then per patch its mean
// (r, g, b) and a constant 1. "block0" [B,17,4]: every token plus an attention-like mix of all
// tokens weighted by softmax(4 (r - g)), so the class token carries the reddest patch.
// "pooled" [B,4]: the mean of block0.
inline torch::jit::Module patch_vit() {
    torch::jit::Module m("PatchVit");
    m.register_parameter("cls", torch::zeros({1, 1, 4}), false);
    m.define(R"(
def forward(self, x):
    B = x.size(0)
    p = x.unfold(2, 4, 4).unfold(3, 4, 4)
    p = p.permute(0, 2, 3, 1, 4, 5).reshape(B, 16, 3, 16).mean(3)
    e = torch.cat([p, torch.ones([B, 16, 1], dtype=x.dtype, device=x.device)], 2)
    t = torch.cat([self.cls.expand(B, 1, 4), e], 1)
    out: Dict[str, Tensor] = {}
    out["embed"] = t
    w = torch.softmax(4.0 * (t[:, :, 0] - t[:, :, 1]), 1)
    t2 = t + (w.unsqueeze(2) * t).sum(1, keepdim=True)
    out["block0"] = t2
    out["pooled"] = t2.mean(1)
    return out
)");
    return m;
}

inline std::string patch_vit_metadata(int prefix_tokens = 1) {
    return R"({"format": 1, "input_size": 16, "resize": "plain", "mean": [0.5, 0.5, 0.5],
               "std": [0.25, 0.25, 0.25], "layers": ["embed", "block0", "pooled"],
               "token_layout": {"class_token": true, "prefix_tokens": )" +
           std::to_string(prefix_tokens) + "}}";
}

// "conv" [B,3,4,4]: the 4x4-pixel average of the input; "pooled" [B,3].
inline torch::jit::Module patch_cnn() {
    torch::jit::Module m("PatchCnn");
    m.define(R"(
def forward(self, x):
    y = torch.avg_pool2d(x, 4)
    out: Dict[str, Tensor] = {}
    out["conv"] = y
    out["pooled"] = y.mean([2, 3])
    return out
)");
    return m;
}

inline std::string patch_cnn_metadata() {
    return R"({"format": 1, "input_size": 16, "resize": "plain", "mean": [0.5, 0.5, 0.5],
               "std": [0.25, 0.25, 0.25]})";
}

// A ReLU SAE with the given encoder columns (one per feature, d_in values each) and biases.
inline taxoscope::core::Sae planted_sae(const std::vector<std::vector<float>>& columns,
                                        const std::vector<float>& biases) {
    using namespace taxoscope::core;
    const auto d_sae = static_cast<int64_t>(columns.size());
    const auto d_in = static_cast<int64_t>(columns.front().size());
    SaeConfig config;
    config.d_in = d_in;
    config.d_sae = d_sae;
    SaeWeights w;
    w.w_enc.assign(static_cast<size_t>(d_in * d_sae), 0.0f);
    w.w_dec.assign(static_cast<size_t>(d_in * d_sae), 0.0f);
    for (int64_t j = 0; j < d_sae; ++j) {
        for (int64_t i = 0; i < d_in; ++i) {
            w.w_enc[static_cast<size_t>(i * d_sae + j)] = columns[static_cast<size_t>(j)][i];
            w.w_dec[static_cast<size_t>(j * d_in + i)] = columns[static_cast<size_t>(j)][i];
        }
    }
    w.b_enc = biases;
    w.b_dec.assign(static_cast<size_t>(d_in), 0.0f);
    return *Sae::create(config, w, "planted");
}

// For [r, g, b, 1] tokens: 0 = red (r - g - b), 1 = blue (b - r - g), 2 = constant 0.5.
inline taxoscope::core::Sae colour_sae() {
    return planted_sae({{1, -1, -1, 0}, {-1, -1, 1, 0}, {0, 0, 0, 1}}, {0.0f, 0.0f, -0.5f});
}

// 16x16: blue (r, g, b) = (51, 77, 204) with a pure red 4x4 patch at grid cell (1, 2).
inline void write_red_patch_image(const std::filesystem::path& path) {
    cv::Mat image(16, 16, CV_8UC3, cv::Scalar(204, 77, 51));  // BGR
    image(cv::Rect(kRedCol * 4, kRedRow * 4, 4, 4)).setTo(cv::Scalar(0, 0, 255));
    std::filesystem::create_directories(path.parent_path());
    cv::imwrite(path.string(), image);
}

}  // namespace taxoscope::test
