// One inspected image as the inspector window shows it: the prepared image (the model's view),
// every layer's top features with their best taxonomy nodes and heatmaps, and the predicted
// class when the model has a `logits` output. Immutable once made; shared with the views.
#pragma once

#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/inspect/image_inspection.h"
#include "core/inspect/prepared_image.h"
#include "core/inspect/workspace_inspector.h"

namespace taxoscope::ui {

// The model's own classification of the image, from its `logits` output.
struct PredictedClass {
    int index = -1;
    QString name;              // the workspace's class name (or id) for `index`; may be empty
    float probability = 0.0f;  // softmax of the logits at `index`
};

// One layer's node alignment (analysis/<layer>.safetensors): which feature detects each
// taxonomy node best, with its F1, and each feature's largest activation over the workspace.
struct LayerNodeAlignment {
    std::vector<int32_t> best_feature;  // [V] node_best_feature; -1: no feature
    std::vector<float> best_f1;         // [V] node_best_f1
    std::vector<float> act_max;         // [D] act_max (empty when the file lacks it)
};

// The taxonomy's nodes and every analysed layer's node alignment, read once per workspace.
struct NodeAlignmentTable {
    struct Node {
        QString id;
        QString name;
        int height = 0;
    };
    std::vector<Node> nodes;  // taxonomy.json order (the analysis' node indices)
    std::map<std::string, LayerNodeAlignment> layers;

    // nullptr when the layer has no (readable) analysis.
    const LayerNodeAlignment* layer(const std::string& name) const;
    QString label(int node) const;  // "name (id)"
};

struct InspectionResult {
    QString image_path;    // the file that was inspected
    QString display_name;  // what the window calls it ("shirt.png", "pasted image")
    core::PreparedImage image;
    core::ImageInspection inspection;
    // [layer][i]: the best node of inspection.layers[layer].top[i]; nullopt without analysis.
    std::vector<std::vector<std::optional<core::NodeLabel>>> labels;
    std::optional<PredictedClass> predicted;
    QString prediction_note;  // why there is no prediction, when there is none
    QStringList notes;        // the inspector's notes (missing analysis or taxonomy)
    QStringList skipped_layers;
    // Node alignment of the inspected layers (the "features across layers" strip); never null.
    std::shared_ptr<const NodeAlignmentTable> nodes;

    // Index into inspection.layers of the layer named `name`; -1 when absent.
    int layer_index(const QString& name) const;
    // The maps of `feature` in layer `layer`; nullptr when they were not computed.
    const core::FeatureMaps* maps(int layer, int64_t feature) const;
};

}  // namespace taxoscope::ui
