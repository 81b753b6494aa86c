#include "ui/inspector/inspection_result.h"

namespace taxoscope::ui {

const LayerNodeAlignment* NodeAlignmentTable::layer(const std::string& name) const {
    const auto found = layers.find(name);
    return found == layers.end() ? nullptr : &found->second;
}

QString NodeAlignmentTable::label(int node) const {
    if (node < 0 || size_t(node) >= nodes.size()) {
        return QStringLiteral("node %1").arg(node);
    }
    const Node& n = nodes[size_t(node)];
    return n.name.isEmpty() || n.name == n.id ? n.id : QStringLiteral("%1 (%2)").arg(n.name, n.id);
}

int InspectionResult::layer_index(const QString& name) const {
    const std::string wanted = name.toStdString();
    for (size_t i = 0; i < inspection.layers.size(); ++i) {
        if (inspection.layers[i].layer == wanted) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

const core::FeatureMaps* InspectionResult::maps(int layer, int64_t feature) const {
    if (layer < 0 || static_cast<size_t>(layer) >= inspection.layers.size()) {
        return nullptr;
    }
    for (const core::FeatureMaps& maps : inspection.layers[static_cast<size_t>(layer)].maps) {
        if (maps.feature == feature) {
            return &maps;
        }
    }
    return nullptr;
}

}  // namespace taxoscope::ui
