#include "core/model/model_runner.h"

#include "core/model/torch_model_torch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {

Result<ModelPrecision> parse_model_precision(const std::string& text) {
    if (text == "fp32" || text == "f32" || text.empty()) {
        return ModelPrecision::F32;
    }
    if (text == "fp16" || text == "f16") {
        return ModelPrecision::F16;
    }
    if (text == "bf16") {
        return ModelPrecision::BF16;
    }
    return fail(ErrorCode::InvalidArgument, "precision '" + text + "' is not fp32, fp16 or bf16");
}

ModelRunner::ModelRunner(std::unique_ptr<TorchModel> model) : model_(std::move(model)) {}
ModelRunner::ModelRunner(ModelRunner&&) noexcept = default;
ModelRunner& ModelRunner::operator=(ModelRunner&&) noexcept = default;
ModelRunner::~ModelRunner() = default;

Result<ModelRunner> ModelRunner::load(const std::filesystem::path& path,
                                      const RunnerOptions& options) {
    auto model = TorchModel::load(path, options);
    if (!model) {
        return fail(model.error());
    }
    return ModelRunner(std::move(*model));
}

const ModelMetadata& ModelRunner::metadata() const {
    return model_->metadata();
}

const std::vector<LayerInfo>& ModelRunner::layers() const {
    return model_->layers();
}

std::string ModelRunner::device() const {
    return model_->device().str();
}

const std::filesystem::path& ModelRunner::path() const {
    return model_->path();
}

TorchModel& ModelRunner::torch_model() {
    return *model_;
}

Result<std::vector<std::vector<float>>> ModelRunner::extract(const float* images, int64_t batch,
                                                             const std::vector<LayerInfo>& layers,
                                                             TokenChoice token) {
    const auto& spec = model_->metadata().preprocess;
    const auto input = torch::from_blob(const_cast<float*>(images),
                                        {batch, 3, spec.height, spec.width}, torch::kFloat);
    auto outputs = model_->forward(input);
    if (!outputs) {
        return fail(outputs.error());
    }
    return guard_exceptions(path().string(), [&]() -> Result<std::vector<std::vector<float>>> {
        std::vector<std::vector<float>> out;
        for (const auto& layer : layers) {
            auto it = std::find_if(outputs->begin(), outputs->end(),
                                   [&](const auto& named) { return named.first == layer.name; });
            if (it == outputs->end()) {
                return fail(ErrorCode::NotFound,
                            path().string() + ": layer '" + layer.name + "' missing from output");
            }
            const torch::Tensor v = model_->reduce(it->second, layer.kind, token);
            if (v.dim() != 2 || v.size(0) != batch || v.size(1) != layer.dim) {
                return fail(ErrorCode::ShapeMismatch, path().string() + ": layer '" + layer.name +
                                                          "' gave " + std::to_string(v.size(-1)) +
                                                          " values per image, the probe " +
                                                          std::to_string(layer.dim));
            }
            out.emplace_back(v.data_ptr<float>(), v.data_ptr<float>() + v.numel());
        }
        return out;
    });
}

}  // namespace taxoscope::core
