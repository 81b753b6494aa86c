#include "ui/inspector/inspection_engine.h"

#include <algorithm>
#include <cmath>

#include "core/taxonomy/class_list.h"

namespace taxoscope::ui {

namespace {

core::Error cancelled(const core::CancelToken& cancel) {
    return cancel.cancelled_error("inspecting the image");
}

QString class_name(const core::ClassListEntry& entry) {
    return QString::fromStdString(entry.name.empty() ? entry.wnid : entry.name);
}

}  // namespace

InspectionEngine::InspectionEngine(std::filesystem::path workspace, core::InspectorOptions options)
    : workspace_(std::move(workspace)), options_(std::move(options)) {}

bool InspectionEngine::is_open() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return inspector_.has_value();
}

core::Result<void> InspectionEngine::open_locked(core::ProgressSink& progress) {
    if (inspector_) {
        return {};
    }
    progress.begin("loading the model and SAEs", 1, "steps");
    auto opened = core::WorkspaceInspector::open(workspace_, options_);
    progress.finish();
    if (!opened) {
        return core::fail(opened.error());
    }
    inspector_.emplace(std::move(*opened));
    return {};
}

core::Result<std::shared_ptr<const InspectionResult>> InspectionEngine::run(
    const std::filesystem::path& image, const QString& display_name,
    const core::InspectOptions& options, core::ProgressSink& progress,
    const core::CancelToken& cancel) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (cancel.is_cancelled()) {
        return core::fail(cancelled(cancel));
    }
    if (auto opened = open_locked(progress); !opened) {
        return core::fail(opened.error());
    }
    if (cancel.is_cancelled()) {
        return core::fail(cancelled(cancel));
    }
    auto prepared = inspector_->prepare(image);
    if (!prepared) {
        return core::fail(prepared.error());
    }
    if (cancel.is_cancelled()) {
        return core::fail(cancelled(cancel));
    }
    auto inspection = inspector_->inspect(*prepared, options, {}, progress, cancel);
    if (!inspection) {
        return core::fail(inspection.error());
    }
    if (cancel.is_cancelled()) {
        return core::fail(cancelled(cancel));
    }

    auto result = std::make_shared<InspectionResult>();
    result->image_path = QString::fromStdString(image.string());
    result->display_name =
        display_name.isEmpty() ? QString::fromStdString(image.filename().string()) : display_name;
    result->image = std::move(*prepared);
    result->inspection = std::move(*inspection);
    for (const core::LayerInspection& layer : result->inspection.layers) {
        std::vector<std::optional<core::NodeLabel>> labels;
        labels.reserve(layer.top.size());
        for (const core::FeatureActivation& top : layer.top) {
            labels.push_back(inspector_->best_node(layer.layer, top.feature));
        }
        result->labels.push_back(std::move(labels));
    }
    for (const std::string& note : inspector_->notes()) {
        result->notes << QString::fromStdString(note);
    }
    for (const std::string& skipped : inspector_->skipped_layers()) {
        result->skipped_layers << QString::fromStdString(skipped);
    }
    predict_locked(*result);
    return std::shared_ptr<const InspectionResult>(std::move(result));
}

void InspectionEngine::predict_locked(InspectionResult& result) {
    core::ModelRunner& runner = inspector_->runner();
    const auto& layers = runner.layers();
    const auto logits = std::find_if(layers.begin(), layers.end(), [](const core::LayerInfo& l) {
        return l.name == "logits" && l.kind == core::LayerKind::Pooled;
    });
    if (logits == layers.end()) {
        result.prediction_note = QStringLiteral("the model has no pooled 'logits' output");
        return;
    }
    auto values = runner.extract(result.image.input.data(), 1, {*logits}, core::TokenChoice::Auto);
    if (!values || values->empty() || values->front().empty()) {
        result.prediction_note = values ? QStringLiteral("the model's logits are empty")
                                        : QString::fromStdString(values.error().message);
        return;
    }
    const std::vector<float>& z = values->front();
    const auto best = std::max_element(z.begin(), z.end());
    double sum = 0.0;
    for (const float v : z) {
        sum += std::exp(static_cast<double>(v - *best));
    }
    PredictedClass predicted;
    predicted.index = static_cast<int>(best - z.begin());
    predicted.probability = static_cast<float>(1.0 / sum);
    // The workspace's classes name the logits when they count the same; else the model's own
    // class set (metadata "class_set"); else only the index is known.
    const core::ClassList& classes = inspector_->workspace().manifest().classes;
    if (classes.size() == z.size()) {
        predicted.name = class_name(classes.entries[static_cast<size_t>(predicted.index)]);
    } else if (const std::string& set = runner.metadata().class_set; !set.empty()) {
        if (auto builtin = core::builtin_class_list(set); builtin && builtin->size() == z.size()) {
            predicted.name = class_name(builtin->entries[static_cast<size_t>(predicted.index)]);
        }
    }
    result.predicted = predicted;
}

}  // namespace taxoscope::ui
