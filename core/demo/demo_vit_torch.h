// The LibTorch side of the demo ViT: the trainable C++ module and its TorchScript twin.
// Include from .cpp files only.
#pragma once

#include <string>

#include <torch/script.h>
#include <torch/torch.h>

#include "core/demo/demo_vit.h"

namespace taxoscope::core {

// Parameters of the same kind are stacked over blocks ([depth, ...]) so that the TorchScript
// source can loop over blocks by index.
class DemoVitImpl : public torch::nn::Module {
  public:
    explicit DemoVitImpl(const DemoVitShape& shape);

    // Every output of the model contract, in demo_vit_layers() order.
    std::vector<torch::Tensor> forward_all(const torch::Tensor& images);
    torch::Tensor logits(const torch::Tensor& images);

    const DemoVitShape& shape() const { return shape_; }

  private:
    torch::Tensor embed(const torch::Tensor& images);
    torch::Tensor block(const torch::Tensor& tokens, int64_t i);
    torch::Tensor head(const torch::Tensor& tokens);

    DemoVitShape shape_;
    torch::Tensor patch_w, patch_b, cls_token, pos_embed;
    torch::Tensor ln1_w, ln1_b, qkv_w, qkv_b, proj_w, proj_b;
    torch::Tensor ln2_w, ln2_b, fc1_w, fc1_b, fc2_w, fc2_b;
    torch::Tensor norm_w, norm_b, head_w, head_b;
};
TORCH_MODULE(DemoVit);

// The forward of DemoVitImpl as TorchScript source (a method of a module holding the same
// parameter names); returns Dict[str, Tensor].
std::string demo_vit_script_source(const DemoVitShape& shape);

// A scripted module carrying copies of `model`'s parameters, ready for save().
torch::jit::Module script_demo_vit(DemoVitImpl& model);

// Images of a split as the saved model expects them after preprocessing: [N, 1, 28, 28]
// float32, normalised; expand(-1, 3, -1, -1) gives the three replicated channels.
torch::Tensor demo_images_tensor(const FashionMnistSplit& split, int64_t count);

}  // namespace taxoscope::core
