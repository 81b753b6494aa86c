// Tiny TorchScript models and synthetic images that tests build on the fly (no downloads).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>

namespace taxoscope::test {

// ViT-like: 16x16 input, 4x4 patches, a class token, two residual blocks of width 8.
// forward returns {"blocks.0": [B,17,8], "blocks.1": [B,17,8], "pooled": [B,8]}.
inline torch::jit::Module tiny_vit() {
    torch::manual_seed(7);
    torch::jit::Module m("TinyVit");
    m.register_parameter("embed", torch::randn({48, 8}) * 0.2, false);
    m.register_parameter("cls", torch::randn({1, 1, 8}), false);
    m.register_parameter("w0", torch::randn({8, 8}) * 0.5, false);
    m.register_parameter("w1", torch::randn({8, 8}) * 0.5, false);
    m.define(R"(
def forward(self, x):
    B = x.size(0)
    p = x.unfold(2, 4, 4).unfold(3, 4, 4)
    p = p.permute(0, 2, 3, 1, 4, 5).reshape(B, 16, 48)
    t = torch.cat([self.cls.expand(B, 1, 8), torch.matmul(p, self.embed)], 1)
    out: Dict[str, Tensor] = {}
    t = t + torch.tanh(torch.matmul(t, self.w0))
    out["blocks.0"] = t
    t = t + torch.tanh(torch.matmul(t, self.w1))
    out["blocks.1"] = t
    out["pooled"] = t.mean(1)
    return out
)");
    return m;
}

inline std::string tiny_vit_metadata() {
    return R"({"format": 1, "input_size": 16, "resize": "shorter-side-crop", "resize_shorter": 20,
               "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
               "layers": ["blocks.0", "blocks.1", "pooled"],
               "token_layout": {"class_token": true}})";
}

// CNN-like: a 3x3 convolution to 4 channels; {"conv": [B,4,H,W], "pooled": [B,4]}.
inline torch::jit::Module tiny_cnn() {
    torch::manual_seed(11);
    torch::jit::Module m("TinyCnn");
    m.register_parameter("weight", torch::randn({4, 3, 3, 3}) * 0.3, false);
    m.register_parameter("bias", torch::randn({4}) * 0.1, false);
    m.define(R"(
def forward(self, x):
    y = torch.relu(torch.conv2d(x, self.weight, self.bias, 1, 1))
    out: Dict[str, Tensor] = {}
    out["conv"] = y
    out["pooled"] = y.amax([2, 3])
    return out
)");
    return m;
}

inline void save_model(torch::jit::Module module, const std::filesystem::path& path,
                       const std::string& metadata = {}) {
    torch::jit::ExtraFilesMap extra;
    if (!metadata.empty()) {
        extra["taxoscope.json"] = metadata;
    }
    module.save(path.string(), extra);
}

// A smooth colour pattern that differs per seed, written with OpenCV.
inline void write_test_image(const std::filesystem::path& path, int width, int height, int seed,
                             int channels = 3) {
    cv::Mat image(height, width, channels == 1 ? CV_8UC1 : channels == 4 ? CV_8UC4 : CV_8UC3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            for (int c = 0; c < channels; ++c) {
                image.ptr<uint8_t>(y)[x * channels + c] =
                    static_cast<uint8_t>((x * (3 + c) + y * (5 + seed) + seed * 37 + c * 60) % 256);
            }
        }
    }
    std::filesystem::create_directories(path.parent_path());
    cv::imwrite(path.string(), image);
}

}  // namespace taxoscope::test
