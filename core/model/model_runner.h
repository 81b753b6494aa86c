// A TorchScript vision model that follows the taxoscope model contract (see docs/model.md):
// forward(x [B,3,H,W] float32) returns Dict[str, Tensor], a Tensor ("output") or a tuple.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/model/layer_output.h"
#include "core/model/model_metadata.h"
#include "core/util/error.h"

namespace taxoscope::core {

// Inference precision of the model (not the SAE products: core/compute/precision.h).
enum class ModelPrecision { F32, F16, BF16 };
Result<ModelPrecision> parse_model_precision(const std::string& text);  // "fp32", "fp16", "bf16"

struct RunnerOptions {
    std::string device = "auto";                     // auto | cpu | cuda | cuda:N
    ModelPrecision precision = ModelPrecision::F32;  // F16/BF16 need CUDA
    // Used when the archive has no taxoscope.json (or to override it): a JSON file in the same
    // format.
    std::filesystem::path metadata_file;
};

class TorchModel;  // core/model/torch_model_torch.h, for .cpp files that want tensors

class ModelRunner {
  public:
    // Loads, moves to the device, switches to eval mode, and runs one probe forward on a zero
    // image of the metadata's input size to learn the layers (and to fail early when the model
    // cannot run on that size).
    static Result<ModelRunner> load(const std::filesystem::path& path,
                                    const RunnerOptions& options = {});

    ModelRunner(ModelRunner&&) noexcept;
    ModelRunner& operator=(ModelRunner&&) noexcept;
    ~ModelRunner();

    const ModelMetadata& metadata() const;
    const std::vector<LayerInfo>& layers() const;
    std::string device() const;  // "cpu", "cuda:0"
    const std::filesystem::path& path() const;

    // Runs a batch of preprocessed images (`batch` x 3 x H x W floats, see PreprocessSpec) and
    // returns, per requested layer, batch x dim floats (row-major) after the token choice.
    Result<std::vector<std::vector<float>>> extract(const float* images, int64_t batch,
                                                    const std::vector<LayerInfo>& layers,
                                                    TokenChoice token);

    TorchModel& torch_model();

  private:
    explicit ModelRunner(std::unique_ptr<TorchModel> model);
    std::unique_ptr<TorchModel> model_;
};

}  // namespace taxoscope::core
