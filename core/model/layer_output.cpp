#include "core/model/layer_output.h"

#include <algorithm>

namespace taxoscope::core {

Result<TokenChoice> parse_token_choice(const std::string& text) {
    if (text == "auto" || text.empty()) {
        return TokenChoice::Auto;
    }
    if (text == "cls") {
        return TokenChoice::Cls;
    }
    if (text == "mean") {
        return TokenChoice::Mean;
    }
    return fail(ErrorCode::InvalidArgument,
                "token choice '" + text + "' is not 'cls', 'mean' or 'auto'");
}

std::string to_string(TokenChoice choice) {
    switch (choice) {
        case TokenChoice::Cls:
            return "cls";
        case TokenChoice::Mean:
            return "mean";
        case TokenChoice::Auto:
            break;
    }
    return "auto";
}

std::string to_string(LayerKind kind) {
    switch (kind) {
        case LayerKind::Tokens:
            return "tokens";
        case LayerKind::FeatureMap:
            return "feature-map";
        case LayerKind::Pooled:
            break;
    }
    return "pooled";
}

Result<std::vector<LayerInfo>> select_layers(const std::vector<LayerInfo>& available,
                                             const std::vector<std::string>& requested,
                                             const std::string& model_name) {
    const bool all = requested.empty() ||
                     std::find(requested.begin(), requested.end(), "all") != requested.end();
    if (all) {
        return available;
    }
    std::vector<LayerInfo> out;
    for (const auto& name : requested) {
        auto it = std::find_if(available.begin(), available.end(),
                               [&](const LayerInfo& l) { return l.name == name; });
        if (it == available.end()) {
            std::string names;
            for (const auto& l : available) {
                names += (names.empty() ? "" : ", ") + l.name;
            }
            return fail(ErrorCode::NotFound,
                        model_name + ": no layer named '" + name + "'; available layers: " + names);
        }
        if (std::none_of(out.begin(), out.end(),
                         [&](const LayerInfo& l) { return l.name == name; })) {
            out.push_back(*it);
        }
    }
    return out;
}

}  // namespace taxoscope::core
