#include "ui/inspector/inspection_engine.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/data/image_ref.h"
#include "core/store/safetensors_file.h"
#include "core/taxonomy/class_list.h"

namespace taxoscope::ui {

namespace {

core::Error cancelled(const core::CancelToken& cancel) {
    return cancel.cancelled_error("inspecting the image");
}

QString class_name(const core::ClassListEntry& entry) {
    return QString::fromStdString(entry.name.empty() ? entry.wnid : entry.name);
}

// A float32 or int32 vector tensor of `size` elements; empty when absent or of another shape.
template <typename T>
std::vector<T> read_vector(const core::SafetensorsFile& file, const char* name, core::DType dtype,
                           int64_t size) {
    if (!file.contains(name)) {
        return {};
    }
    auto tensor = file.tensor(name);
    if (!tensor || tensor->dtype != dtype || tensor->shape != std::vector<int64_t>{size}) {
        return {};
    }
    const T* data = tensor->template as<T>();
    return std::vector<T>(data, data + size);
}

}  // namespace

std::shared_ptr<InspectionEngine> InspectionEngine::shared(const std::filesystem::path& workspace) {
    static std::mutex registry_mutex;
    static std::map<std::filesystem::path, std::weak_ptr<InspectionEngine>> registry;
    const std::lock_guard<std::mutex> lock(registry_mutex);
    std::filesystem::path key = std::filesystem::absolute(workspace).lexically_normal();
    if (!key.has_filename() && key.has_parent_path()) {
        key = key.parent_path();  // "ws/" and "ws" are one workspace
    }
    if (auto held = registry[key].lock()) {
        return held;
    }
    auto engine = std::make_shared<InspectionEngine>(key);
    registry[key] = engine;
    return engine;
}

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
    load_node_alignment_locked();
    return {};
}

void InspectionEngine::load_node_alignment_locked() {
    auto table = std::make_shared<NodeAlignmentTable>();
    const core::Taxonomy* taxonomy = inspector_->taxonomy();
    if (taxonomy != nullptr) {
        const int64_t nodes = taxonomy->node_count();
        table->nodes.reserve(size_t(nodes));
        for (int v = 0; v < taxonomy->node_count(); ++v) {
            table->nodes.push_back({QString::fromStdString(taxonomy->node(v).id),
                                    QString::fromStdString(taxonomy->node(v).name),
                                    taxonomy->height(v)});
        }
        const core::WorkspacePaths& paths = inspector_->workspace().paths();
        for (const std::string& layer : inspector_->layers()) {
            std::error_code ec;
            if (!std::filesystem::exists(paths.analysis(layer), ec)) {
                continue;
            }
            auto file = core::SafetensorsFile::open(paths.analysis(layer));
            const core::Sae* sae = inspector_->sae(layer);
            if (!file || sae == nullptr) {
                continue;  // WorkspaceInspector::open already read this file's feature tensors
            }
            LayerNodeAlignment alignment;
            alignment.best_feature =
                read_vector<int32_t>(*file, "node_best_feature", core::DType::I32, nodes);
            alignment.best_f1 = read_vector<float>(*file, "node_best_f1", core::DType::F32, nodes);
            alignment.act_max =
                read_vector<float>(*file, "act_max", core::DType::F32, sae->config().d_sae);
            if (!alignment.best_feature.empty() && !alignment.best_f1.empty()) {
                table->layers.emplace(layer, std::move(alignment));
            }
        }
    }
    nodes_ = std::move(table);
}

core::Result<core::PreparedImage> InspectionEngine::prepare_ref(const std::string& ref,
                                                                core::ProgressSink& progress) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (auto opened = open_locked(progress); !opened) {
        return core::fail(opened.error());
    }
    auto buffer = core::load_image_ref(ref);
    if (!buffer) {
        return core::fail(buffer.error());
    }
    return core::prepare_image(std::move(*buffer), inspector_->runner().metadata().preprocess);
}

core::Result<core::LayerInspection> InspectionEngine::layer_maps(
    const core::PreparedImage& image, const std::string& layer,
    const std::vector<int64_t>& features, bool relevance, core::ProgressSink& progress,
    const core::CancelToken& cancel) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (auto opened = open_locked(progress); !opened) {
        return core::fail(opened.error());
    }
    const core::Sae* sae = inspector_->sae(layer);
    if (sae == nullptr) {
        return core::fail(core::ErrorCode::NotFound,
                          "layer '" + layer + "' has no SAE in " + workspace_.string());
    }
    if (cancel.is_cancelled()) {
        return core::fail(cancelled(cancel));
    }
    core::InspectOptions options;
    options.top = 0;
    options.relevance = relevance;
    if (auto token = core::parse_token_choice(inspector_->workspace().manifest().token); token) {
        options.token = *token;
    }
    auto inspection = core::inspect_image(inspector_->runner(), image, {{layer, sae, features}},
                                          options, progress, cancel);
    if (!inspection) {
        return core::fail(inspection.error());
    }
    if (inspection->layers.empty()) {
        return core::fail(core::ErrorCode::NotFound, "layer '" + layer + "' was not inspected");
    }
    return std::move(inspection->layers.front());
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
    result->nodes = nodes_ ? nodes_ : std::make_shared<const NodeAlignmentTable>();
    predict_locked(*result);
    return std::shared_ptr<const InspectionResult>(std::move(result));
}

std::optional<core::NodeLabel> InspectionEngine::best_node(const std::string& layer,
                                                           int64_t feature) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return inspector_ ? inspector_->best_node(layer, feature) : std::nullopt;
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
