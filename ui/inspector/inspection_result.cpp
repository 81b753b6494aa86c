#include "ui/inspector/inspection_result.h"

namespace taxoscope::ui {

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
