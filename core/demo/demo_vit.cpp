#include "core/demo/demo_vit.h"

#include <cmath>
#include <cstdio>

#include "core/demo/demo_vit_torch.h"

namespace taxoscope::core {
namespace {

// Fashion-MNIST's pixel statistics (training split), used for all three replicated channels.
constexpr float kFashionMean = 0.2860f;
constexpr float kFashionStd = 0.3530f;
constexpr double kLayerNormEps = 1e-5;

double attention_scale(const DemoVitShape& shape) {
    return 1.0 / std::sqrt(static_cast<double>(shape.dim / shape.heads));
}

}  // namespace

std::vector<std::string> demo_vit_layers(const DemoVitShape& shape) {
    std::vector<std::string> layers{"embed"};
    for (const auto& block : demo_vit_block_layers(shape)) {
        layers.push_back(block);
    }
    layers.push_back("logits");
    return layers;
}

std::vector<std::string> demo_vit_block_layers(const DemoVitShape& shape) {
    std::vector<std::string> layers;
    for (int i = 1; i <= shape.depth; ++i) {
        layers.push_back("block" + std::to_string(i));
    }
    return layers;
}

ModelMetadata demo_vit_metadata(const DemoVitShape& shape) {
    ModelMetadata m;
    m.preprocess.width = shape.image;
    m.preprocess.height = shape.image;
    m.preprocess.policy = ResizePolicy::Plain;
    m.preprocess.resize_shorter = shape.image;
    m.preprocess.mean = {kFashionMean, kFashionMean, kFashionMean};
    m.preprocess.std = {kFashionStd, kFashionStd, kFashionStd};
    m.layers = demo_vit_layers(shape);
    m.class_token = true;
    m.prefix_tokens = 1;
    m.class_set = "fashion-mnist";
    m.present = true;
    return m;
}

DemoVitImpl::DemoVitImpl(const DemoVitShape& shape) : shape_(shape) {
    const int64_t d = shape.dim;
    const int64_t l = shape.depth;
    const int64_t m = shape.mlp;
    auto normal = [](std::vector<int64_t> sizes) { return torch::randn(sizes) * 0.02; };
    patch_w = register_parameter("patch_w", normal({d, shape.patch_inputs()}));
    patch_b = register_parameter("patch_b", torch::zeros({d}));
    cls_token = register_parameter("cls_token", normal({1, 1, d}));
    pos_embed = register_parameter("pos_embed", normal({1, shape.tokens(), d}));
    ln1_w = register_parameter("ln1_w", torch::ones({l, d}));
    ln1_b = register_parameter("ln1_b", torch::zeros({l, d}));
    qkv_w = register_parameter("qkv_w", normal({l, 3 * d, d}));
    qkv_b = register_parameter("qkv_b", torch::zeros({l, 3 * d}));
    proj_w = register_parameter("proj_w", normal({l, d, d}));
    proj_b = register_parameter("proj_b", torch::zeros({l, d}));
    ln2_w = register_parameter("ln2_w", torch::ones({l, d}));
    ln2_b = register_parameter("ln2_b", torch::zeros({l, d}));
    fc1_w = register_parameter("fc1_w", normal({l, m, d}));
    fc1_b = register_parameter("fc1_b", torch::zeros({l, m}));
    fc2_w = register_parameter("fc2_w", normal({l, d, m}));
    fc2_b = register_parameter("fc2_b", torch::zeros({l, d}));
    norm_w = register_parameter("norm_w", torch::ones({d}));
    norm_b = register_parameter("norm_b", torch::zeros({d}));
    head_w = register_parameter("head_w", normal({shape.classes, d}));
    head_b = register_parameter("head_b", torch::zeros({shape.classes}));
}

torch::Tensor DemoVitImpl::embed(const torch::Tensor& images) {
    const int64_t b = images.size(0);
    const int64_t g = shape_.patches_per_side();
    const int64_t p = shape_.patch;
    auto patches = images.reshape({b, 3, g, p, g, p})
                       .permute({0, 2, 4, 1, 3, 5})
                       .reshape({b, g * g, shape_.patch_inputs()});
    auto tokens = torch::linear(patches, patch_w, patch_b);
    return torch::cat({cls_token.expand({b, 1, shape_.dim}), tokens}, 1) + pos_embed;
}

torch::Tensor DemoVitImpl::block(const torch::Tensor& x, int64_t i) {
    const int64_t b = x.size(0);
    const int64_t t = x.size(1);
    const int64_t d = shape_.dim;
    auto h = torch::layer_norm(x, {d}, ln1_w[i], ln1_b[i], kLayerNormEps);
    auto qkv = torch::linear(h, qkv_w[i], qkv_b[i])
                   .reshape({b, t, 3, shape_.heads, d / shape_.heads})
                   .permute({2, 0, 3, 1, 4});
    auto attention = torch::softmax(
        torch::matmul(qkv[0], qkv[1].transpose(-2, -1)) * attention_scale(shape_), -1);
    auto mixed = torch::matmul(attention, qkv[2]).transpose(1, 2).reshape({b, t, d});
    auto y = x + torch::linear(mixed, proj_w[i], proj_b[i]);
    h = torch::layer_norm(y, {d}, ln2_w[i], ln2_b[i], kLayerNormEps);
    return y + torch::linear(torch::gelu(torch::linear(h, fc1_w[i], fc1_b[i])), fc2_w[i], fc2_b[i]);
}

torch::Tensor DemoVitImpl::head(const torch::Tensor& tokens) {
    auto cls = torch::layer_norm(tokens.select(1, 0), {shape_.dim}, norm_w, norm_b, kLayerNormEps);
    return torch::linear(cls, head_w, head_b);
}

std::vector<torch::Tensor> DemoVitImpl::forward_all(const torch::Tensor& images) {
    std::vector<torch::Tensor> out{embed(images)};
    for (int64_t i = 0; i < shape_.depth; ++i) {
        out.push_back(block(out.back(), i));
    }
    out.push_back(head(out.back()));
    return out;
}

torch::Tensor DemoVitImpl::logits(const torch::Tensor& images) {
    auto x = embed(images);
    for (int64_t i = 0; i < shape_.depth; ++i) {
        x = block(x, i);
    }
    return head(x);
}

std::string demo_vit_script_source(const DemoVitShape& s) {
    // Mirrors DemoVitImpl op for op, so the saved model computes what was trained.
    char scale[64];
    std::snprintf(scale, sizeof scale, "%.17g", attention_scale(s));
    const std::string g = std::to_string(s.patches_per_side());
    const std::string p = std::to_string(s.patch);
    const std::string d = std::to_string(s.dim);
    const std::string heads = std::to_string(s.heads);
    const std::string dh = std::to_string(s.dim / s.heads);
    const std::string eps = "1e-05";
    return "def forward(self, x: Tensor) -> Dict[str, Tensor]:\n"
           "    b = x.size(0)\n"
           "    p = x.reshape([b, 3, " +
           g + ", " + p + ", " + g + ", " + p + "]).permute([0, 2, 4, 1, 3, 5]).reshape([b, " +
           std::to_string(s.tokens() - 1) + ", " + std::to_string(s.patch_inputs()) +
           "])\n"
           "    t = torch.cat([self.cls_token.expand([b, 1, " +
           d +
           "]), torch.linear(p, self.patch_w, self.patch_b)], 1) + self.pos_embed\n"
           "    out: Dict[str, Tensor] = {}\n"
           "    out['embed'] = t\n"
           "    for i in range(" +
           std::to_string(s.depth) +
           "):\n"
           "        n = t.size(1)\n"
           "        h = torch.layer_norm(t, [" +
           d + "], self.ln1_w[i], self.ln1_b[i], " + eps +
           ")\n"
           "        qkv = torch.linear(h, self.qkv_w[i], self.qkv_b[i]).reshape([b, n, 3, " +
           heads + ", " + dh +
           "]).permute([2, 0, 3, 1, 4])\n"
           "        a = torch.softmax(torch.matmul(qkv[0], qkv[1].transpose(-2, -1)) * " +
           scale +
           ", -1)\n"
           "        m = torch.matmul(a, qkv[2]).transpose(1, 2).reshape([b, n, " +
           d +
           "])\n"
           "        t = t + torch.linear(m, self.proj_w[i], self.proj_b[i])\n"
           "        h = torch.layer_norm(t, [" +
           d + "], self.ln2_w[i], self.ln2_b[i], " + eps +
           ")\n"
           "        t = t + torch.linear(torch.gelu(torch.linear(h, self.fc1_w[i], "
           "self.fc1_b[i])), self.fc2_w[i], self.fc2_b[i])\n"
           "        out['block' + str(i + 1)] = t\n"
           "    c = torch.layer_norm(t.select(1, 0), [" +
           d + "], self.norm_w, self.norm_b, " + eps +
           ")\n"
           "    out['logits'] = torch.linear(c, self.head_w, self.head_b)\n"
           "    return out\n";
}

torch::jit::Module script_demo_vit(DemoVitImpl& model) {
    torch::jit::Module scripted("TaxoscopeDemoViT");
    for (const auto& parameter : model.named_parameters()) {
        scripted.register_parameter(parameter.key(), parameter.value().detach().clone(), false);
    }
    scripted.define(demo_vit_script_source(model.shape()));
    scripted.eval();
    return scripted;
}

torch::Tensor demo_images_tensor(const FashionMnistSplit& split, int64_t count) {
    const int64_t side = 28;
    auto bytes = torch::from_blob(const_cast<uint8_t*>(split.pixels.data()), {count, 1, side, side},
                                  torch::kUInt8);
    // Same arithmetic as the runner's preprocessing: (pixel / 255 - mean) / std.
    return (bytes.to(torch::kFloat) / 255.0f - kFashionMean) / kFashionStd;
}

}  // namespace taxoscope::core
