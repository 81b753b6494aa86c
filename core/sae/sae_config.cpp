#include "core/sae/sae_config.h"

#include <sstream>

namespace taxoscope::core {
namespace {

// Our own cfg.json keeps provenance and the training record under this key; SAELens ignores
// keys it does not know.
constexpr const char* kOwnSection = "taxoscope";

Result<DType> weight_dtype_from(const std::string& name, const std::string& where) {
    if (name.empty() || name == "float32" || name == "torch.float32") {
        return DType::F32;
    }
    if (name == "float16" || name == "torch.float16") {
        return DType::F16;
    }
    if (name == "bfloat16" || name == "torch.bfloat16") {
        return DType::BF16;
    }
    return fail(ErrorCode::Unsupported, where + ": dtype '" + name +
                                            "' is not one taxoscope reads (float32, float16, "
                                            "bfloat16)");
}

Result<int64_t> positive_int(const nlohmann::json& json, const char* key,
                             const std::string& where) {
    if (!json.contains(key) || !json[key].is_number_integer() || json[key].get<int64_t>() <= 0) {
        return fail(ErrorCode::Parse, where + ": '" + key + "' must be a positive integer");
    }
    return json[key].get<int64_t>();
}

// SAELens' normalize_activations. Saved SAELens SAEs have "expected_average_only_in" folded
// into their weights already; per-input rescalings cannot be expressed as a constant.
Result<double> activation_scale_from(const nlohmann::json& json, const std::string& where,
                                     std::vector<std::string>& notes) {
    const std::string mode = json.value("normalize_activations", std::string("none"));
    const double scale = json.contains("activation_scale") && json["activation_scale"].is_number()
                             ? json["activation_scale"].get<double>()
                             : 1.0;
    if (mode == "none" || mode.empty()) {
        return 1.0;
    }
    if (mode == "constant_scale") {
        return scale;
    }
    if (mode == "expected_average_only_in") {
        if (json.contains("activation_scale")) {
            return scale;
        }
        notes.push_back(
            "normalize_activations is expected_average_only_in without a stored factor: taken as "
            "folded into the weights (SAELens folds it when saving)");
        return 1.0;
    }
    return fail(ErrorCode::Unsupported,
                where + ": normalize_activations '" + mode +
                    "' rescales every input on its own; taxoscope supports none or a constant "
                    "scale");
}

}  // namespace

std::string_view to_string(SaeFormat format) {
    switch (format) {
        case SaeFormat::Taxoscope:
            return "taxoscope";
        case SaeFormat::SaeLens:
            return "saelens";
        case SaeFormat::SaeLensLegacy:
            return "saelens-legacy";
        case SaeFormat::Sparsify:
            return "sparsify";
        case SaeFormat::DictionaryLearning:
            break;
    }
    return "dictionary_learning";
}

std::string_view saelens_architecture_name(Activation architecture) {
    switch (architecture) {
        case Activation::ReLU:
            return "standard";
        case Activation::TopK:
            return "topk";
        case Activation::JumpReLU:
            break;
    }
    return "jumprelu";
}

nlohmann::json config_to_saelens_json(const SaeConfig& c) {
    nlohmann::json j;
    j["architecture"] = std::string(saelens_architecture_name(c.architecture));
    j["d_in"] = c.d_in;
    j["d_sae"] = c.d_sae;
    if (c.architecture == Activation::TopK) {
        j["k"] = c.k;
    }
    j["dtype"] = std::string(dtype_name(c.weight_dtype));
    j["device"] = "cpu";
    j["apply_b_dec_to_input"] = c.apply_b_dec_to_input;
    if (c.activation_scale != 1.0) {
        j["normalize_activations"] = "constant_scale";
        j["activation_scale"] = c.activation_scale;
    } else {
        j["normalize_activations"] = "none";
    }
    if (!c.hook_name.empty()) {
        j["metadata"] = {{"hook_name", c.hook_name}};
    }
    nlohmann::json own;
    if (c.source_format != SaeFormat::Taxoscope) {
        own["imported_from"] = std::string(to_string(c.source_format));
    } else if (!c.imported_from.empty()) {
        own["imported_from"] = c.imported_from;
    }
    if (!c.source_path.empty()) {
        own["source_path"] = c.source_path;
    }
    if (!c.notes.empty()) {
        own["notes"] = c.notes;
    }
    if (!c.training.empty()) {
        own["training"] = c.training;
    }
    j[kOwnSection] = own;
    return j;
}

Result<SaeConfig> config_from_saelens_json(const nlohmann::json& json, const std::string& where) {
    if (!json.is_object()) {
        return fail(ErrorCode::Parse, where + ": not a JSON object");
    }
    SaeConfig c;
    auto d_in = positive_int(json, "d_in", where);
    auto d_sae = positive_int(json, "d_sae", where);
    if (!d_in || !d_sae) {
        return fail(d_in ? d_sae.error() : d_in.error());
    }
    c.d_in = *d_in;
    c.d_sae = *d_sae;
    auto dtype = weight_dtype_from(json.value("dtype", std::string()), where);
    if (!dtype) {
        return fail(dtype.error());
    }
    c.weight_dtype = *dtype;
    c.apply_b_dec_to_input = json.value("apply_b_dec_to_input", false);

    // Pre-6.0 SAELens says TopK through activation_fn_str/activation_fn_kwargs and keeps hook
    // names at the top level; 6.x has "topk" as an architecture and a metadata object.
    const bool legacy = json.contains("activation_fn_str") ||
                        json.contains("activation_fn_kwargs") || json.contains("hook_layer") ||
                        !json.contains("architecture");
    const std::string architecture = json.value("architecture", std::string("standard"));
    const std::string activation_fn = json.value("activation_fn_str", std::string("relu"));
    if (architecture == "standard" && activation_fn == "relu") {
        c.architecture = Activation::ReLU;
    } else if (architecture == "topk" || (architecture == "standard" && activation_fn == "topk")) {
        c.architecture = Activation::TopK;
        const nlohmann::json* holder = &json;
        if (!json.contains("k") && json.contains("activation_fn_kwargs")) {
            holder = &json["activation_fn_kwargs"];
        }
        auto k = positive_int(*holder, "k", where);
        if (!k) {
            return fail(k.error());
        }
        c.k = *k;
    } else if (architecture == "jumprelu") {
        c.architecture = Activation::JumpReLU;
    } else {
        return fail(ErrorCode::Unsupported,
                    where + ": architecture '" + architecture + "' with activation '" +
                        activation_fn +
                        "' is not supported (standard/relu, topk and jumprelu are)");
    }
    auto scale = activation_scale_from(json, where, c.notes);
    if (!scale) {
        return fail(scale.error());
    }
    c.activation_scale = *scale;
    if (json.contains("metadata") && json["metadata"].is_object()) {
        c.hook_name = json["metadata"].value("hook_name", std::string());
    } else {
        c.hook_name = json.value("hook_name", std::string());
    }
    c.source_format = legacy ? SaeFormat::SaeLensLegacy : SaeFormat::SaeLens;
    if (json.contains(kOwnSection) && json[kOwnSection].is_object()) {
        const auto& own = json[kOwnSection];
        c.source_format = SaeFormat::Taxoscope;
        if (own.contains("training")) {
            c.training = own["training"];
        }
        if (own.contains("notes") && own["notes"].is_array()) {
            for (const auto& n : own["notes"]) {
                if (n.is_string()) {
                    c.notes.push_back(n.get<std::string>());
                }
            }
        }
        c.source_path = own.value("source_path", std::string());
        c.imported_from = own.value("imported_from", std::string());
    }
    return c;
}

nlohmann::json config_summary_json(const SaeConfig& c) {
    nlohmann::json j;
    j["architecture"] = std::string(to_string(c.architecture));
    j["d_in"] = c.d_in;
    j["d_sae"] = c.d_sae;
    j["expansion"] = static_cast<double>(c.d_sae) / static_cast<double>(c.d_in);
    j["k"] = c.architecture == Activation::TopK ? nlohmann::json(c.k) : nlohmann::json(nullptr);
    j["dtype"] = std::string(dtype_name(c.weight_dtype));
    j["apply_b_dec_to_input"] = c.apply_b_dec_to_input;
    j["activation_scale"] = c.activation_scale;
    j["source_format"] = std::string(to_string(c.source_format));
    j["source_path"] = c.source_path;
    j["imported_from"] = c.imported_from;
    j["hook_name"] = c.hook_name;
    j["notes"] = c.notes;
    if (!c.training.empty()) {
        j["training"] = c.training;
    }
    return j;
}

std::string describe(const SaeConfig& c) {
    std::ostringstream out;
    out << "architecture          " << to_string(c.architecture);
    if (c.architecture == Activation::TopK) {
        out << " (k = " << c.k << ")";
    }
    out << "\nd_in                  " << c.d_in << "\nd_sae                 " << c.d_sae
        << " (expansion " << static_cast<double>(c.d_sae) / static_cast<double>(c.d_in) << ")"
        << "\ndtype                 " << dtype_name(c.weight_dtype) << "\napply_b_dec_to_input  "
        << (c.apply_b_dec_to_input ? "yes" : "no") << "\nactivation scale      "
        << c.activation_scale << "\nsource format         " << to_string(c.source_format);
    if (!c.imported_from.empty()) {
        out << " (imported from " << c.imported_from << ")";
    }
    if (!c.source_path.empty()) {
        out << "\nsource                " << c.source_path;
    }
    if (!c.hook_name.empty()) {
        out << "\nhook                  " << c.hook_name;
    }
    for (const auto& note : c.notes) {
        out << "\nnote                  " << note;
    }
    if (c.training.contains("final")) {
        out << "\ntraining (final)      " << c.training["final"].dump();
    }
    out << '\n';
    return out.str();
}

}  // namespace taxoscope::core
