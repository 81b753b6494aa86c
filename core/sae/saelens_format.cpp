// SAELens layout: cfg.json + sae_weights.safetensors, W_enc [d_in, d_sae], W_dec [d_sae, d_in].
#include <nlohmann/json.hpp>

#include "core/sae/sae_formats.h"
#include "core/sae/sae_tensor_read.h"
#include "core/store/atomic_file.h"
#include "core/store/safetensors_file.h"

namespace taxoscope::core {
namespace {

Result<StoredTensor> stored(const SafetensorsFile& file, const std::string& name) {
    auto view = file.tensor(name);
    if (!view) {
        return fail(view.error());
    }
    return StoredTensor{file.path().string(), name, *view};
}

// Pre-6.0 SAELens SAEs fine-tuned with a per-feature decoder scale: x̂ = (z ∘ s)·W_dec + b_dec.
Result<void> fold_scaling_factor(const SafetensorsFile& file, SaeConfig& config,
                                 SaeWeights& weights) {
    if (!file.contains("scaling_factor")) {
        return {};
    }
    auto t = stored(file, "scaling_factor");
    if (!t) {
        return fail(t.error());
    }
    auto scale = read_vector(*t, config.d_sae, "d_sae");
    if (!scale) {
        return fail(scale.error());
    }
    bool ones = true;
    for (int64_t j = 0; j < config.d_sae; ++j) {
        const float s = (*scale)[static_cast<size_t>(j)];
        ones = ones && s == 1.0f;
        for (int64_t i = 0; i < config.d_in; ++i) {
            weights.w_dec[static_cast<size_t>(j * config.d_in + i)] *= s;
        }
    }
    if (!ones) {
        config.notes.push_back("per-feature 'scaling_factor' folded into W_dec");
    }
    return {};
}

}  // namespace

Result<void> check_layer_width(int64_t d_in, const std::string& tensor,
                               const SaeLoadOptions& options) {
    if (options.expected_d_in <= 0 || d_in == options.expected_d_in) {
        return {};
    }
    return fail(ErrorCode::ShapeMismatch,
                tensor + " gives d_in = " + std::to_string(d_in) + ", but the activations" +
                    (options.layer.empty() ? "" : " of layer '" + options.layer + "'") + " are " +
                    std::to_string(options.expected_d_in) + " wide");
}

Result<Sae> load_saelens_sae(const std::filesystem::path& folder, const SaeLoadOptions& options) {
    const auto cfg_path = folder / "cfg.json";
    auto json = read_json_file(cfg_path);
    if (!json) {
        return fail(json.error());
    }
    auto config = config_from_saelens_json(*json, cfg_path.string());
    if (!config) {
        return fail(config.error());
    }
    auto file = SafetensorsFile::open(folder / "sae_weights.safetensors");
    if (!file) {
        return fail(file.error());
    }
    const int64_t d_in = config->d_in;
    const int64_t d_sae = config->d_sae;
    auto w_enc = stored(*file, "W_enc");
    if (!w_enc) {
        return fail(w_enc.error());
    }
    if (auto ok =
            check_layer_width(d_in, cfg_path.string() + " (d_in) with " + w_enc->label(), options);
        !ok) {
        return fail(ok.error());
    }
    config->weight_dtype = w_enc->view.dtype;
    auto w_dec = stored(*file, "W_dec");
    auto b_enc = stored(*file, "b_enc");
    auto b_dec = stored(*file, "b_dec");
    for (const auto* t : {&w_dec, &b_enc, &b_dec}) {
        if (!*t) {
            return fail(t->error());
        }
    }
    auto weights = read_sae_weights(
        {*w_enc, MatrixLayout::InBySae, *w_dec, MatrixLayout::SaeByIn, *b_enc, *b_dec}, d_in, d_sae,
        config->notes);
    if (!weights) {
        return fail(weights.error());
    }
    SaeWeights& w = *weights;
    if (config->architecture == Activation::JumpReLU) {
        auto t = stored(*file, "threshold");
        if (!t) {
            return fail(t.error());
        }
        auto v = read_vector(*t, d_sae, "d_sae");
        if (!v) {
            return fail(v.error());
        }
        w.threshold = std::move(*v);
    }
    if (auto ok = fold_scaling_factor(*file, *config, w); !ok) {
        return fail(ok.error());
    }
    if (config->source_path.empty()) {
        config->source_path = folder.string();
    }
    return Sae::create(std::move(*config), std::move(w), file->path().string());
}

}  // namespace taxoscope::core
