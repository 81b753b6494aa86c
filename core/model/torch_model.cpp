#include "core/model/torch_model_torch.h"

#include <fstream>

#include "core/store/atomic_file.h"
#include "core/util/log.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

constexpr const char* kMetadataName = "taxoscope.json";

bool looks_like_zip(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K';
}

Result<LayerInfo> describe_layer(const std::string& name, const torch::Tensor& t,
                                 const std::string& model_name) {
    LayerInfo info;
    info.name = name;
    info.shape = t.sizes().vec();
    info.shape.erase(info.shape.begin());
    switch (t.dim()) {
        case 2:
            info.kind = LayerKind::Pooled;
            info.dim = t.size(1);
            break;
        case 3:
            info.kind = LayerKind::Tokens;
            info.dim = t.size(2);
            break;
        case 4:
            info.kind = LayerKind::FeatureMap;
            info.dim = t.size(1);
            break;
        default:
            return fail(ErrorCode::Unsupported,
                        model_name + ": output '" + name + "' has " + std::to_string(t.dim()) +
                            " dimensions; the model contract allows [B, D], [B, T, D] and "
                            "[B, C, H, W]");
    }
    if (info.dim <= 0) {
        return fail(ErrorCode::Unsupported, model_name + ": output '" + name + "' is empty");
    }
    return info;
}

}  // namespace

Result<std::unique_ptr<TorchModel>> TorchModel::load(const std::filesystem::path& path,
                                                     const RunnerOptions& options) {
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(ErrorCode::NotFound, name + ": model file not found");
    }
    if (!looks_like_zip(path)) {
        return fail(ErrorCode::Parse,
                    name +
                        ": not a TorchScript file (expected a zip archive written by "
                        "torch.jit.save; see packaging/export_model.py)");
    }
    auto device = parse_device(options.device);
    if (!device) {
        return fail(device.error());
    }
    if (options.precision != ModelPrecision::F32 && !device->is_cuda()) {
        return fail(ErrorCode::Unsupported,
                    "fp16/bf16 inference is offered on CUDA only; the CPU path runs fp32");
    }
    torch::jit::ExtraFilesMap extra{{kMetadataName, ""}};
    auto module = guard_exceptions(name + ": not a loadable TorchScript file",
                                   [&] { return torch::jit::load(path.string(), *device, extra); });
    if (!module) {
        return fail(ErrorCode::Parse, module.error().message);
    }
    std::unique_ptr<TorchModel> model(new TorchModel(std::move(*module), *device));
    model->path_ = path;

    if (!options.metadata_file.empty()) {
        auto text = read_text_file(options.metadata_file);
        if (!text) {
            return fail(text.error());
        }
        auto parsed = parse_model_metadata(*text, options.metadata_file.string());
        if (!parsed) {
            return fail(parsed.error());
        }
        model->metadata_ = *parsed;
    } else if (!extra[kMetadataName].empty()) {
        auto parsed = parse_model_metadata(extra[kMetadataName], name);
        if (!parsed) {
            return fail(parsed.error());
        }
        model->metadata_ = *parsed;
    } else {
        log_warning(name +
                    ": no taxoscope.json inside the archive; using the defaults (224x224, "
                    "shorter side 256 + centre crop, ImageNet mean/std, no class token). "
                    "Export with packaging/export_model.py or pass a metadata file.");
    }

    if (options.precision == ModelPrecision::F16) {
        model->compute_type_ = torch::kHalf;
    } else if (options.precision == ModelPrecision::BF16) {
        model->compute_type_ = torch::kBFloat16;
    }
    auto prepared = guard_exceptions(name, [&] {
        model->module_.eval();
        if (model->compute_type_ != torch::kFloat) {
            model->module_.to(model->compute_type_);
        }
    });
    if (!prepared) {
        return fail(prepared.error());
    }

    // Probe: one zero image learns the layers and catches models that cannot take this size.
    const auto& spec = model->metadata_.preprocess;
    const auto probe_input = torch::zeros({1, 3, spec.height, spec.width});
    auto outputs = model->forward(probe_input);
    if (!outputs) {
        return fail(
            outputs.error().code,
            name + ": forward failed on a [1, 3, " + std::to_string(spec.height) + ", " +
                std::to_string(spec.width) +
                "] input (input size from the model's metadata): " + outputs.error().message);
    }
    for (const auto& [layer, tensor] : *outputs) {
        auto info = describe_layer(layer, tensor, name);
        if (!info) {
            return fail(info.error());
        }
        model->layers_.push_back(*info);
    }
    if (model->layers_.empty()) {
        return fail(ErrorCode::Unsupported, name + ": forward returned no tensors");
    }
    return model;
}

Result<NamedTensors> TorchModel::name_outputs(const torch::IValue& value) const {
    const std::string name = path_.string();
    NamedTensors out;
    auto add = [&](const std::string& key, const torch::IValue& v) -> Result<void> {
        if (!v.isTensor()) {
            return fail(ErrorCode::Unsupported,
                        name + ": output '" + key + "' is a " + v.tagKind() + ", not a Tensor");
        }
        out.emplace_back(key, v.toTensor());
        return {};
    };
    if (value.isTensor()) {
        out.emplace_back("output", value.toTensor());
    } else if (value.isGenericDict()) {
        for (const auto& entry : value.toGenericDict()) {
            if (!entry.key().isString()) {
                return fail(ErrorCode::Unsupported, name +
                                                        ": forward returns a dict whose keys "
                                                        "are not strings");
            }
            if (auto r = add(entry.key().toStringRef(), entry.value()); !r) {
                return fail(r.error());
            }
        }
        // Metadata may fix the order; the dict's own order is the fallback.
        if (!metadata_.layers.empty()) {
            NamedTensors ordered;
            for (const auto& layer : metadata_.layers) {
                for (auto& item : out) {
                    if (item.first == layer) {
                        ordered.push_back(item);
                    }
                }
            }
            for (auto& item : out) {
                if (std::find(metadata_.layers.begin(), metadata_.layers.end(), item.first) ==
                    metadata_.layers.end()) {
                    ordered.push_back(item);
                }
            }
            out = std::move(ordered);
        }
    } else if (value.isTuple() || value.isTensorList() || value.isList()) {
        std::vector<torch::IValue> items;
        if (value.isTuple()) {
            items = value.toTupleRef().elements().vec();
        } else {
            for (const auto& v : value.toListRef()) {
                items.push_back(v);
            }
        }
        if (!metadata_.layers.empty() && metadata_.layers.size() != items.size()) {
            return fail(ErrorCode::ShapeMismatch,
                        name + ": forward returns " + std::to_string(items.size()) +
                            " tensors but taxoscope.json names " +
                            std::to_string(metadata_.layers.size()) + " layers");
        }
        for (size_t i = 0; i < items.size(); ++i) {
            const std::string key =
                metadata_.layers.empty() ? "output" + std::to_string(i) : metadata_.layers[i];
            if (auto r = add(key, items[i]); !r) {
                return fail(r.error());
            }
        }
    } else {
        return fail(ErrorCode::Unsupported,
                    name + ": forward returns a " + value.tagKind() +
                        "; expected Dict[str, Tensor], a Tensor or a tuple of Tensors");
    }
    return out;
}

Result<NamedTensors> TorchModel::forward(const torch::Tensor& input) {
    return guard_exceptions(path_.string(), [&]() -> Result<NamedTensors> {
        c10::InferenceMode guard;
        auto x = input.to(device_, compute_type_);
        const torch::IValue result = module_.forward({x});
        return name_outputs(result);
    });
}

Result<NamedTensors> TorchModel::forward_differentiable(const torch::Tensor& input) {
    return guard_exceptions(path_.string(), [&]() -> Result<NamedTensors> {
        torch::AutoGradMode enable(true);
        const torch::IValue result = module_.forward({input.to(device_, compute_type_)});
        return name_outputs(result);
    });
}

torch::Tensor TorchModel::reduce(const torch::Tensor& output, LayerKind kind,
                                 TokenChoice token) const {
    c10::InferenceMode guard;
    return reduce_on_device(output, kind, token).to(torch::kCPU).contiguous();
}

torch::Tensor TorchModel::reduce_on_device(const torch::Tensor& output, LayerKind kind,
                                           TokenChoice token) const {
    switch (kind) {
        case LayerKind::Pooled:
            return output.to(torch::kFloat);
        case LayerKind::FeatureMap:
            return output.to(torch::kFloat).mean({2, 3});
        case LayerKind::Tokens:
            break;
    }
    const bool cls =
        token == TokenChoice::Cls || (token == TokenChoice::Auto && metadata_.class_token);
    if (cls) {
        return output.select(1, 0).to(torch::kFloat);
    }
    const int64_t offset = std::min<int64_t>(metadata_.patch_token_offset(), output.size(1) - 1);
    return output.narrow(1, offset, output.size(1) - offset).to(torch::kFloat).mean(1);
}

}  // namespace taxoscope::core
