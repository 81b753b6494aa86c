#include "core/inspect/image_inspection.h"

#include <algorithm>
#include <cmath>

#include "core/inspect/sae_autograd_torch.h"
#include "core/model/torch_model_torch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

namespace F = torch::nn::functional;

std::vector<float> to_vector(const torch::Tensor& t) {
    const torch::Tensor cpu = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    return std::vector<float>(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
}

// [F, rows, cols] -> [F, H, W], bilinear with half-pixel centres (cv::INTER_LINEAR's rule).
torch::Tensor upsample(const torch::Tensor& maps, int height, int width) {
    return F::interpolate(maps.unsqueeze(1), F::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{height, width})
                                                 .mode(torch::kBilinear)
                                                 .align_corners(false))
        .squeeze(1);
}

// The layer output's spatial positions as rows [cells, D], row-major over the grid.
torch::Tensor patch_rows(const torch::Tensor& output, LayerKind kind, const PatchGrid& grid) {
    if (kind == LayerKind::FeatureMap) {
        return output[0].flatten(1).t().to(torch::kFloat);
    }
    return output[0].narrow(0, grid.prefix_tokens, grid.cells()).to(torch::kFloat);
}

Result<const LayerInfo*> find_layer(const ModelRunner& runner, const std::string& name) {
    for (const auto& layer : runner.layers()) {
        if (layer.name == name) {
            return &layer;
        }
    }
    std::string names;
    for (const auto& layer : runner.layers()) {
        names += (names.empty() ? "" : ", ") + layer.name;
    }
    return fail(ErrorCode::NotFound, runner.path().string() + ": no layer named '" + name +
                                         "'; available layers: " + names);
}

Result<void> check_request(const LayerRequest& request, const LayerInfo& layer) {
    if (request.sae == nullptr) {
        return fail(ErrorCode::InvalidArgument, "layer '" + layer.name + "': no SAE given");
    }
    const SaeConfig& config = request.sae->config();
    if (config.d_in != layer.dim) {
        return fail(ErrorCode::ShapeMismatch, "layer '" + layer.name + "' is " +
                                                  std::to_string(layer.dim) +
                                                  " wide but its SAE (" + config.source_path +
                                                  ") has d_in " + std::to_string(config.d_in));
    }
    for (int64_t j : request.features) {
        if (j < 0 || j >= config.d_sae) {
            return fail(ErrorCode::InvalidArgument,
                        "layer '" + layer.name + "': feature " + std::to_string(j) +
                            " does not exist (the SAE has " + std::to_string(config.d_sae) +
                            " features)");
        }
    }
    return {};
}

// Per-patch relevance of z_j: |dz_j/dx * x| summed over channels, averaged over each cell of
// the grid. Zero everywhere when z_j does not depend on the input (z_j = 0 under ReLU, or a
// class token that never attends to the patches).
torch::Tensor relevance_map(const torch::Tensor& z_j, const torch::Tensor& x,
                            const PatchGrid& grid) {
    if (!z_j.requires_grad()) {
        return torch::zeros({grid.rows, grid.cols}, x.options().requires_grad(false));
    }
    const auto grads = torch::autograd::grad({z_j}, {x}, /*grad_outputs=*/{},
                                             /*retain_graph=*/true, /*create_graph=*/false,
                                             /*allow_unused=*/true);
    if (!grads[0].defined()) {
        return torch::zeros({grid.rows, grid.cols}, x.options().requires_grad(false));
    }
    const torch::Tensor pixels = (grads[0] * x.detach()).abs().sum(1, /*keepdim=*/true);
    return F::adaptive_avg_pool2d(pixels, F::AdaptiveAvgPool2dFuncOptions({grid.rows, grid.cols}))
        .reshape({grid.rows, grid.cols});
}

Result<LayerInspection> inspect_layer(TorchModel& model, const torch::Tensor& output,
                                      const torch::Tensor& x, const LayerInfo& layer,
                                      const LayerRequest& request, const InspectOptions& options) {
    LayerInspection out;
    out.layer = layer.name;
    out.kind = layer.kind;
    out.d_sae = request.sae->config().d_sae;
    const SaeAutograd sae(*request.sae, model.device());
    const torch::Tensor z = sae.encode(model.reduce_on_device(output, layer.kind, options.token));
    out.codes = to_vector(z[0]);
    out.top = top_features(out.codes, options.top);

    auto grid = patch_grid(layer, model.metadata());
    if (!grid) {
        if (!request.features.empty()) {
            return fail(grid.error());
        }
        out.note = grid.error().message;
        return out;
    }
    out.grid = *grid;
    if (!options.maps && !options.relevance) {
        return out;
    }
    std::vector<int64_t> features = request.features;
    if (features.empty()) {
        for (const auto& f : out.top) {
            features.push_back(f.feature);
        }
    }
    if (features.empty()) {
        out.note = "no feature of this layer fires on the image";
        return out;
    }
    const auto index = torch::tensor(features, torch::kLong).to(model.device());
    const int height = static_cast<int>(x.size(2));
    const int width = static_cast<int>(x.size(3));
    torch::Tensor patches;
    if (options.maps) {
        torch::NoGradGuard no_grad;
        patches = sae.encode(patch_rows(output, layer.kind, out.grid))
                      .index_select(1, index)
                      .t()
                      .reshape({-1, out.grid.rows, out.grid.cols});
    }
    torch::Tensor relevance;
    if (options.relevance && x.requires_grad()) {
        std::vector<torch::Tensor> maps;
        for (int64_t j : features) {
            maps.push_back(relevance_map(z[0][j], x, out.grid));
        }
        relevance = torch::stack(maps);
    }
    torch::NoGradGuard no_grad;
    const torch::Tensor patch_pixels =
        patches.defined() ? upsample(patches, height, width) : torch::Tensor();
    const torch::Tensor relevance_pixels =
        relevance.defined() ? upsample(relevance, height, width) : torch::Tensor();
    for (size_t i = 0; i < features.size(); ++i) {
        FeatureMaps maps;
        maps.feature = features[i];
        maps.activation = out.codes[static_cast<size_t>(features[i])];
        const auto n = static_cast<int64_t>(i);
        if (patches.defined()) {
            maps.patch = to_vector(patches[n]);
            maps.patch_pixels = to_vector(patch_pixels[n]);
        }
        if (relevance.defined()) {
            maps.relevance = to_vector(relevance[n]);
            maps.relevance_pixels = to_vector(relevance_pixels[n]);
        }
        out.maps.push_back(std::move(maps));
    }
    return out;
}

}  // namespace

std::vector<FeatureActivation> top_features(const std::vector<float>& codes, int count) {
    std::vector<FeatureActivation> firing;
    for (size_t j = 0; j < codes.size(); ++j) {
        if (codes[j] > 0.0f) {
            firing.push_back({static_cast<int64_t>(j), codes[j]});
        }
    }
    const size_t keep = std::min(firing.size(), static_cast<size_t>(std::max(count, 0)));
    std::partial_sort(firing.begin(), firing.begin() + static_cast<std::ptrdiff_t>(keep),
                      firing.end(), [](const FeatureActivation& a, const FeatureActivation& b) {
                          return a.value != b.value ? a.value > b.value : a.feature < b.feature;
                      });
    firing.resize(keep);
    return firing;
}

Result<PatchGrid> patch_grid(const LayerInfo& layer, const ModelMetadata& metadata) {
    const std::string where = "layer '" + layer.name + "'";
    PatchGrid grid;
    if (layer.kind == LayerKind::Pooled) {
        return fail(ErrorCode::Unsupported,
                    where +
                        " is pooled ([B, D]): it has no patch tokens, so it has no patch "
                        "maps; choose a [B, T, D] token layer or a [B, C, H, W] feature map");
    }
    if (layer.kind == LayerKind::FeatureMap) {
        grid.rows = static_cast<int>(layer.shape.at(1));
        grid.cols = static_cast<int>(layer.shape.at(2));
        return grid;
    }
    const int64_t tokens = layer.shape.at(0);
    grid.prefix_tokens = std::max(0, metadata.patch_token_offset());
    const int64_t patches = tokens - grid.prefix_tokens;
    // The grid keeps the input's aspect ratio: cols / rows = width / height.
    const double aspect =
        static_cast<double>(metadata.preprocess.width) / metadata.preprocess.height;
    const auto cols = patches > 0 ? std::llround(std::sqrt(patches * aspect)) : 0LL;
    if (cols <= 0 || patches % cols != 0) {
        return fail(ErrorCode::ShapeMismatch,
                    where + " has " + std::to_string(tokens) + " tokens; after " +
                        std::to_string(grid.prefix_tokens) + " prefix token(s) the " +
                        std::to_string(patches) + " patch tokens form no grid of the input's " +
                        "aspect ratio (check token_layout in the model's taxoscope.json)");
    }
    grid.cols = static_cast<int>(cols);
    grid.rows = static_cast<int>(patches / cols);
    return grid;
}

Result<ImageInspection> inspect_image(ModelRunner& runner, const PreparedImage& image,
                                      const std::vector<LayerRequest>& layers,
                                      const InspectOptions& options, ProgressSink& progress,
                                      const CancelToken& cancel) {
    const auto& spec = runner.metadata().preprocess;
    if (image.input.size() != spec.floats_per_image()) {
        return fail(ErrorCode::ShapeMismatch,
                    "the image was prepared for another input size than the model's " +
                        std::to_string(spec.width) + "x" + std::to_string(spec.height));
    }
    std::vector<const LayerInfo*> infos;
    for (const auto& request : layers) {
        auto info = find_layer(runner, request.layer);
        if (!info) {
            return fail(info.error());
        }
        if (auto ok = check_request(request, **info); !ok) {
            return fail(ok.error());
        }
        infos.push_back(*info);
    }
    TorchModel& model = runner.torch_model();
    const std::string context = runner.path().string() + ": inspecting an image";
    return guard_exceptions(context, [&]() -> Result<ImageInspection> {
        ImageInspection result;
        result.input_width = spec.width;
        result.input_height = spec.height;
        result.device = runner.device();
        torch::Tensor x = torch::from_blob(const_cast<float*>(image.input.data()),
                                           {1, 3, spec.height, spec.width}, torch::kFloat)
                              .to(model.device(), /*non_blocking=*/false, /*copy=*/true);
        // Without relevance maps no graph is recorded at all.
        const torch::AutoGradMode grad_mode(options.relevance);
        if (options.relevance) {
            x.requires_grad_(true);
        }
        auto outputs = options.relevance ? model.forward_differentiable(x) : model.forward(x);
        if (!outputs) {
            return fail(outputs.error());
        }
        progress.begin("inspecting image", static_cast<int64_t>(layers.size()), "layers");
        for (size_t i = 0; i < layers.size(); ++i) {
            if (cancel.is_cancelled()) {
                return fail(ErrorCode::Cancelled, "inspection cancelled");
            }
            auto it = std::find_if(outputs->begin(), outputs->end(), [&](const auto& named) {
                return named.first == infos[i]->name;
            });
            if (it == outputs->end()) {
                return fail(ErrorCode::NotFound, runner.path().string() + ": layer '" +
                                                     infos[i]->name + "' missing from output");
            }
            auto layer = inspect_layer(model, it->second, x, *infos[i], layers[i], options);
            if (!layer) {
                return fail(layer.error());
            }
            result.layers.push_back(std::move(*layer));
            progress.advance();
        }
        progress.finish();
        return result;
    });
}

}  // namespace taxoscope::core
