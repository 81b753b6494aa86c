// saprmarks/dictionary_learning: ae.pt (torch.save of a state dict, zip format) + config.json.
// AutoEncoder: encoder.weight [d_sae, d_in], encoder.bias, decoder.weight [d_in, d_sae], bias;
// z = ReLU(encoder(x − bias)). AutoEncoderTopK: the same with b_dec for bias and a k buffer.
// JumpReluAutoEncoder: W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec, threshold.
#include <fstream>
#include <map>

#include <torch/script.h>

#include "core/sae/sae_formats.h"
#include "core/sae/sae_tensor_read.h"
#include "core/store/atomic_file.h"
#include "core/store/tensor_view_torch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

constexpr const char* kConversionHint =
    "convert it with packaging/convert_dictionary_learning_sae.py (run with /usr/bin/python3 "
    "and Debian's python3-torch), then import the folder it writes";

using StateDict = std::map<std::string, torch::Tensor>;

Result<StateDict> read_state_dict(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(ErrorCode::NotFound, path.string() + ": cannot open");
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto loaded =
        guard_exceptions("reading " + path.string(), [&]() { return torch::pickle_load(bytes); });
    if (!loaded) {
        return fail(
            ErrorCode::Unsupported,
            loaded.error().message + "\nLibTorch cannot read this file; " + kConversionHint);
    }
    if (!loaded->isGenericDict()) {
        return fail(ErrorCode::Unsupported, path.string() + ": holds a " + loaded->tagKind() +
                                                ", not a state dict; " + kConversionHint);
    }
    StateDict dict;
    for (const auto& entry : loaded->toGenericDict()) {
        if (entry.key().isString() && entry.value().isTensor()) {
            dict[entry.key().toStringRef()] = entry.value().toTensor().contiguous();
        }
    }
    return dict;
}

struct Reader {
    std::string file;
    const StateDict& dict;

    Result<StoredTensor> get(const std::string& name) const {
        auto it = dict.find(name);
        if (it == dict.end()) {
            std::string names;
            for (const auto& [n, t] : dict) {
                names += (names.empty() ? "" : ", ") + n;
            }
            return fail(ErrorCode::NotFound,
                        file + ": no tensor named '" + name + "' (available: " + names + ")");
        }
        auto view = view_of(it->second);
        if (!view) {
            return fail(view.error().with_context(file + ": tensor '" + name + "'"));
        }
        return StoredTensor{file, name, *view};
    }
};

// The dictionary class from config.json, or from the tensor names when there is none.
std::string dict_class_of(const nlohmann::json& config, const StateDict& dict) {
    if (config.contains("trainer") && config["trainer"].is_object()) {
        const std::string name = config["trainer"].value("dict_class", std::string());
        if (!name.empty()) {
            return name;
        }
    }
    if (dict.count("threshold") != 0 && dict.count("W_enc") != 0) {
        return "JumpReluAutoEncoder";
    }
    if (dict.count("k") != 0 || dict.count("b_dec") != 0) {
        return "AutoEncoderTopK";
    }
    return "AutoEncoder";
}

}  // namespace

Result<Sae> load_dictionary_learning_sae(const std::filesystem::path& folder,
                                         const SaeLoadOptions& options) {
    nlohmann::json config = nlohmann::json::object();
    const auto config_path = folder / "config.json";
    if (std::filesystem::exists(config_path)) {
        auto parsed = read_json_file(config_path);
        if (!parsed) {
            return fail(parsed.error());
        }
        config = std::move(*parsed);
    }
    const auto ae_path = folder / "ae.pt";
    auto dict = read_state_dict(ae_path);
    if (!dict) {
        return fail(dict.error());
    }
    const Reader r{ae_path.string(), *dict};
    const std::string dict_class = dict_class_of(config, *dict);
    const bool jump = dict_class == "JumpReluAutoEncoder";
    const bool topk = dict_class == "AutoEncoderTopK";
    if (!jump && !topk && dict_class != "AutoEncoder") {
        return fail(ErrorCode::Unsupported,
                    ae_path.string() + ": dictionary class '" + dict_class +
                        "' is not supported (AutoEncoder, AutoEncoderTopK, JumpReluAutoEncoder "
                        "are)");
    }
    const std::string enc_name = jump ? "W_enc" : "encoder.weight";
    const std::string dec_name = jump ? "W_dec" : "decoder.weight";
    const std::string b_enc_name = jump ? "b_enc" : "encoder.bias";
    const std::string b_dec_name = jump || topk ? "b_dec" : "bias";

    auto b_enc = r.get(b_enc_name);
    auto b_dec = r.get(b_dec_name);
    if (!b_enc || !b_dec) {
        return fail(b_enc ? b_dec.error() : b_enc.error());
    }
    for (const StoredTensor* t : {&*b_dec, &*b_enc}) {
        if (t->view.shape.size() != 1) {
            return fail(ErrorCode::ShapeMismatch, t->label() + " should be a vector");
        }
    }
    SaeConfig c;
    c.source_format = SaeFormat::DictionaryLearning;
    c.source_path = folder.string();
    c.d_in = b_dec->view.shape[0];
    c.d_sae = b_enc->view.shape[0];
    c.architecture = jump ? Activation::JumpReLU : topk ? Activation::TopK : Activation::ReLU;
    c.apply_b_dec_to_input = !jump;
    if (jump && config.contains("trainer") && config["trainer"].is_object()) {
        c.apply_b_dec_to_input = config["trainer"].value("apply_b_dec_to_input", false);
    }
    if (topk) {
        if (config.contains("trainer") && config["trainer"].contains("k") &&
            config["trainer"]["k"].is_number_integer()) {
            c.k = config["trainer"]["k"].get<int64_t>();
        } else if (dict->count("k") != 0) {
            c.k = dict->at("k").item<int64_t>();
        }
    }
    if (auto ok = check_layer_width(c.d_in, b_dec->label(), options); !ok) {
        return fail(ok.error());
    }
    auto enc = r.get(enc_name);
    auto dec = r.get(dec_name);
    if (!enc || !dec) {
        return fail(enc ? dec.error() : enc.error());
    }
    c.weight_dtype = enc->view.dtype;
    auto weights =
        read_sae_weights({*enc, jump ? MatrixLayout::InBySae : MatrixLayout::SaeByIn, *dec,
                          jump ? MatrixLayout::SaeByIn : MatrixLayout::InBySae, *b_enc, *b_dec},
                         c.d_in, c.d_sae, c.notes);
    if (!weights) {
        return fail(weights.error());
    }
    SaeWeights& w = *weights;
    if (jump) {
        auto t = r.get("threshold");
        if (!t) {
            return fail(t.error());
        }
        auto v = read_vector(*t, c.d_sae, "d_sae");
        if (!v) {
            return fail(v.error());
        }
        w.threshold = std::move(*v);
    }
    return Sae::create(std::move(c), std::move(*weights), ae_path.string());
}

}  // namespace taxoscope::core
