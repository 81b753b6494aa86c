#include "core/model/model_metadata.h"

#include <nlohmann/json.hpp>

namespace taxoscope::core {

Result<ModelMetadata> parse_model_metadata(const std::string& json_text, const std::string& where) {
    ModelMetadata m;
    m.present = true;
    try {
        const auto j = nlohmann::json::parse(json_text);
        if (!j.is_object()) {
            return fail(ErrorCode::Parse, where + ": taxoscope.json is not a JSON object");
        }
        if (j.value("format", 1) != 1) {
            return fail(ErrorCode::Unsupported, where + ": taxoscope.json format " +
                                                    j.at("format").dump() +
                                                    " is newer than this taxoscope understands");
        }
        if (j.contains("input_size")) {
            const auto& size = j.at("input_size");
            if (size.is_array()) {
                if (size.size() != 2) {
                    return fail(ErrorCode::Parse, where + ": input_size must be N or [H, W]");
                }
                m.preprocess.height = size.at(0).get<int>();
                m.preprocess.width = size.at(1).get<int>();
            } else {
                m.preprocess.height = m.preprocess.width = size.get<int>();
            }
            // A resize default that fits the new size: the usual 224 -> 256 ratio.
            m.preprocess.resize_shorter = static_cast<int>(
                std::max(m.preprocess.height, m.preprocess.width) * 256.0 / 224.0 + 0.5);
        }
        if (j.contains("resize")) {
            const auto policy = j.at("resize").get<std::string>();
            if (policy == "plain") {
                m.preprocess.policy = ResizePolicy::Plain;
            } else if (policy == "shorter-side-crop") {
                m.preprocess.policy = ResizePolicy::ShorterSideThenCrop;
            } else {
                return fail(ErrorCode::Parse, where + ": resize '" + policy +
                                                  "' is not 'shorter-side-crop' or 'plain'");
            }
        }
        m.preprocess.resize_shorter = j.value("resize_shorter", m.preprocess.resize_shorter);
        for (const char* key : {"mean", "std"}) {
            if (j.contains(key)) {
                const auto values = j.at(key).get<std::vector<float>>();
                if (values.size() != 3) {
                    return fail(ErrorCode::Parse,
                                where + ": " + key + " must list 3 values (R, G, B)");
                }
                auto& target = std::string(key) == "mean" ? m.preprocess.mean : m.preprocess.std;
                std::copy(values.begin(), values.end(), target.begin());
            }
        }
        m.layers = j.value("layers", std::vector<std::string>{});
        if (j.contains("token_layout")) {
            const auto& layout = j.at("token_layout");
            m.class_token = layout.value("class_token", false);
            m.prefix_tokens = layout.value("prefix_tokens", -1);
        }
        m.class_set = j.value("class_set", std::string());
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Parse, where + ": taxoscope.json: " + e.what());
    }
    if (auto valid = m.preprocess.validate(); !valid) {
        return fail(valid.error().with_context(where + ": taxoscope.json"));
    }
    return m;
}

std::string model_metadata_to_json(const ModelMetadata& m) {
    nlohmann::json j;
    j["format"] = 1;
    j["input_size"] = {m.preprocess.height, m.preprocess.width};
    j["resize"] = to_string(m.preprocess.policy);
    j["resize_shorter"] = m.preprocess.resize_shorter;
    j["mean"] = m.preprocess.mean;
    j["std"] = m.preprocess.std;
    j["layers"] = m.layers;
    j["token_layout"] = {{"class_token", m.class_token}, {"prefix_tokens", m.prefix_tokens}};
    if (!m.class_set.empty()) {
        j["class_set"] = m.class_set;
    }
    return j.dump(2);
}

}  // namespace taxoscope::core
