// One analysed layer as the feature table reads it: the layer's analysis (docs/analysis.md
// defines each tensor) and the number of images its statistics ran over.
#pragma once

#include <cstdint>
#include <memory>

namespace taxoscope::core {
struct LayerAnalysis;
}

namespace taxoscope::ui {

struct LayerFeatures {
    int layer_index = -1;
    int64_t image_count = 0;
    std::shared_ptr<const core::LayerAnalysis> analysis;
};

}  // namespace taxoscope::ui
