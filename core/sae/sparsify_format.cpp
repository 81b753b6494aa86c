// EleutherAI sparsify: cfg.json + sae.safetensors. encoder.weight [d_sae, d_in] (nn.Linear),
// encoder.bias [d_sae], W_dec [d_sae, d_in], b_dec [d_in]; z = TopK(ReLU(encoder(x − b_dec))).
#include <nlohmann/json.hpp>

#include "core/sae/sae_formats.h"
#include "core/sae/sae_tensor_read.h"
#include "core/store/atomic_file.h"
#include "core/store/safetensors_file.h"

namespace taxoscope::core {

Result<Sae> load_sparsify_sae(const std::filesystem::path& folder, const SaeLoadOptions& options) {
    const auto cfg_path = folder / "cfg.json";
    auto parsed = read_json_file(cfg_path);
    if (!parsed) {
        return fail(parsed.error());
    }
    const nlohmann::json& cfg = *parsed;
    if (!cfg.is_object() || !cfg.contains("k") || !cfg["k"].is_number_integer()) {
        return fail(ErrorCode::Parse,
                    cfg_path.string() + ": a sparsify cfg.json needs an integer 'k'");
    }
    if (cfg.value("skip_connection", false)) {
        return fail(ErrorCode::Unsupported,
                    cfg_path.string() + ": SAEs with a skip connection (W_skip) are not supported");
    }
    auto file = SafetensorsFile::open(folder / "sae.safetensors");
    if (!file) {
        return fail(file.error());
    }
    const std::string where = file->path().string();
    auto get = [&](const std::string& name) -> Result<StoredTensor> {
        auto view = file->tensor(name);
        if (!view) {
            return fail(view.error());
        }
        return StoredTensor{where, name, *view};
    };
    if (file->contains("W_skip")) {
        return fail(ErrorCode::Unsupported,
                    where + ": tensor 'W_skip' (a skip connection) is not supported");
    }
    auto b_dec = get("b_dec");
    auto b_enc = get("encoder.bias");
    if (!b_dec || !b_enc) {
        return fail(b_dec ? b_enc.error() : b_dec.error());
    }
    // Widths come from the two bias vectors, which have only one possible reading.
    for (const StoredTensor* t : {&*b_dec, &*b_enc}) {
        if (t->view.shape.size() != 1) {
            return fail(ErrorCode::ShapeMismatch, t->label() + " should be a vector");
        }
    }
    SaeConfig config;
    config.architecture = Activation::TopK;
    config.apply_b_dec_to_input = true;
    config.d_in = b_dec->view.shape[0];
    config.d_sae = b_enc->view.shape[0];
    config.k = cfg["k"].get<int64_t>();
    config.source_format = SaeFormat::Sparsify;
    config.source_path = folder.string();
    if (cfg.contains("d_in") && cfg["d_in"].is_number_integer() &&
        cfg["d_in"].get<int64_t>() != config.d_in) {
        return fail(ErrorCode::ShapeMismatch,
                    cfg_path.string() + ": d_in = " + std::to_string(cfg["d_in"].get<int64_t>()) +
                        " but " + b_dec->label() + " says " + std::to_string(config.d_in));
    }
    if (auto ok = check_layer_width(config.d_in, b_dec->label(), options); !ok) {
        return fail(ok.error());
    }
    auto enc = get("encoder.weight");
    auto dec = get("W_dec");
    if (!enc || !dec) {
        return fail(enc ? dec.error() : enc.error());
    }
    config.weight_dtype = enc->view.dtype;
    auto weights =
        read_sae_weights({*enc, MatrixLayout::SaeByIn, *dec, MatrixLayout::SaeByIn, *b_enc, *b_dec},
                         config.d_in, config.d_sae, config.notes);
    if (!weights) {
        return fail(weights.error());
    }
    return Sae::create(std::move(config), std::move(*weights), where);
}

}  // namespace taxoscope::core
