// The LibTorch side of ModelRunner. Include from .cpp files only.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include "core/model/model_runner.h"
#include "core/util/torch_device_torch.h"

namespace taxoscope::core {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class TorchModel {
  public:
    static Result<std::unique_ptr<TorchModel>> load(const std::filesystem::path& path,
                                                    const RunnerOptions& options);

    const ModelMetadata& metadata() const { return metadata_; }
    const std::vector<LayerInfo>& layers() const { return layers_; }
    const torch::Device& device() const { return device_; }
    const std::filesystem::path& path() const { return path_; }

    // Every layer output for a float32 CPU or device batch [B, 3, H, W]; outputs stay on the
    // device in the model's precision.
    Result<NamedTensors> forward(const torch::Tensor& input);
    // The same with autograd recording (no inference mode), for gradients with respect to the
    // input (core/inspect). Slower and heavier: use for single images only.
    Result<NamedTensors> forward_differentiable(const torch::Tensor& input);

    // [B, D] float32 on the CPU for one layer output, by kind and token choice.
    torch::Tensor reduce(const torch::Tensor& output, LayerKind kind, TokenChoice token) const;
    // The same reduction as float32 [B, D] on the output's device, differentiable.
    torch::Tensor reduce_on_device(const torch::Tensor& output, LayerKind kind,
                                   TokenChoice token) const;

  private:
    TorchModel(torch::jit::Module module, torch::Device device)
        : module_(std::move(module)), device_(device) {}
    Result<NamedTensors> name_outputs(const torch::IValue& value) const;

    torch::jit::Module module_;
    torch::Device device_;
    torch::ScalarType compute_type_ = torch::kFloat;
    ModelMetadata metadata_;
    std::vector<LayerInfo> layers_;
    std::filesystem::path path_;
};

}  // namespace taxoscope::core
