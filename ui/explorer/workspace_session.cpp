#include "ui/explorer/workspace_session.h"

#include <cmath>

#include "core/analysis/workspace_analysis.h"
#include "core/store/safetensors_file.h"
#include "core/taxonomy/taxonomy_json.h"

namespace taxoscope::ui {

namespace {

core::Result<std::vector<float>> read_node_best_f1(const std::filesystem::path& path,
                                                   int64_t nodes) {
    auto file = core::SafetensorsFile::open(path);
    if (!file) {
        return tl::make_unexpected(file.error());
    }
    auto tensor = file->tensor("node_best_f1");
    if (!tensor) {
        return tl::make_unexpected(tensor.error());
    }
    if (tensor->dtype != core::DType::F32 || tensor->shape != std::vector<int64_t>{nodes}) {
        return core::fail(core::ErrorCode::ShapeMismatch,
                          path.string() + ": tensor node_best_f1 is not float32 [" +
                              std::to_string(nodes) +
                              "] (the taxonomy has that many nodes); rerun analyze");
    }
    const float* data = tensor->as<float>();
    return std::vector<float>(data, data + nodes);
}

QVector<double> mean_by_height(const core::Taxonomy& taxonomy, const std::vector<float>& f1) {
    QVector<double> sum;
    QVector<int> count;
    for (int v = 0; v < taxonomy.node_count(); ++v) {
        if (!taxonomy.is_nontrivial(v)) {
            continue;
        }
        const int h = taxonomy.height(v);
        if (h >= sum.size()) {
            sum.resize(h + 1);
            count.resize(h + 1);
        }
        sum[h] += double(f1[size_t(v)]);
        count[h] += 1;
    }
    for (int h = 0; h < sum.size(); ++h) {
        sum[h] = count[h] > 0 ? sum[h] / count[h] : std::nan("");
    }
    return sum;
}

LayerProfileRow profile_row(const core::LayerSummary& summary, QVector<double> mean_f1) {
    LayerProfileRow row;
    row.layer = QString::fromStdString(summary.layer);
    row.probe_acc = summary.probe_acc;
    row.fvu = summary.fvu;
    row.l0 = summary.l0;
    row.dead_frac = summary.dead_frac;
    row.coverage = summary.coverage;
    row.coverage_baseline = summary.coverage_baseline;
    row.coverage_by_height =
        QVector<double>(summary.coverage_by_height.begin(), summary.coverage_by_height.end());
    row.coverage_baseline_by_height = QVector<double>(summary.coverage_baseline_by_height.begin(),
                                                      summary.coverage_baseline_by_height.end());
    row.mean_best_f1_by_height = std::move(mean_f1);
    return row;
}

}  // namespace

core::Result<std::shared_ptr<WorkspaceSession>> WorkspaceSession::open(
    const std::filesystem::path& root, core::ProgressSink& progress,
    const core::CancelToken& cancel) {
    auto workspace = core::Workspace::open(root);
    if (!workspace) {
        return tl::make_unexpected(workspace.error());
    }
    std::shared_ptr<WorkspaceSession> session(new WorkspaceSession(std::move(*workspace)));
    const core::WorkspacePaths& paths = session->workspace_.paths();
    const int layer_total = int(session->workspace_.manifest().layers.size());
    progress.begin("open workspace", layer_total + 3, "steps");

    auto images = session->workspace_.read_images();
    if (!images) {
        return tl::make_unexpected(images.error());
    }
    session->images_ = std::move(*images);
    progress.advance(1);

    if (!std::filesystem::exists(paths.taxonomy())) {
        return core::fail(core::ErrorCode::NotFound,
                          paths.taxonomy().string() +
                              " is missing: run `taxoscope-cli analyze --workspace " +
                              root.string() + "` first");
    }
    auto taxonomy = core::load_taxonomy_json(paths.taxonomy());
    if (!taxonomy) {
        return tl::make_unexpected(taxonomy.error());
    }
    session->taxonomy_ = std::make_shared<const core::Taxonomy>(std::move(*taxonomy));
    auto labels = core::workspace_labels(session->workspace_, *session->taxonomy_);
    if (!labels) {
        return tl::make_unexpected(labels.error());
    }
    session->labels_ = std::move(labels->labels);
    session->class_image_counts_.assign(size_t(session->taxonomy_->class_count()), 0);
    for (int32_t label : session->labels_) {
        if (label >= 0) {
            ++session->class_image_counts_[size_t(label)];
        }
    }
    progress.advance(1);

    if (!std::filesystem::exists(paths.analysis_summary())) {
        return core::fail(core::ErrorCode::NotFound,
                          paths.analysis_summary().string() +
                              " is missing: run `taxoscope-cli analyze --workspace " +
                              root.string() + "` first");
    }
    auto summary = core::read_analysis_summary(paths.analysis_summary());
    if (!summary) {
        return tl::make_unexpected(summary.error());
    }
    progress.advance(1);

    const int64_t nodes = session->taxonomy_->node_count();
    for (const std::string& layer : session->workspace_.layer_names()) {
        if (cancel.is_cancelled()) {
            return tl::make_unexpected(cancel.cancelled_error("opening the workspace"));
        }
        const auto entry = summary->layers.find(layer);
        if (entry == summary->layers.end() || !std::filesystem::exists(paths.analysis(layer))) {
            progress.advance(1);
            continue;  // not analysed (yet): the explorer shows the layers that are
        }
        auto f1 = read_node_best_f1(paths.analysis(layer), nodes);
        if (!f1) {
            return tl::make_unexpected(f1.error());
        }
        session->layer_names_ << QString::fromStdString(layer);
        session->summaries_.push_back(entry->second);
        session->profile_rows_.push_back(
            profile_row(entry->second, mean_by_height(*session->taxonomy_, *f1)));
        session->node_best_f1_.push_back(std::move(*f1));
        progress.advance(1);
    }
    progress.finish();
    if (session->layer_names_.isEmpty()) {
        return core::fail(core::ErrorCode::NotFound,
                          paths.analysis_dir().string() +
                              " holds no analysed layer: run `taxoscope-cli analyze --workspace " +
                              root.string() + "`");
    }
    return session;
}

core::Result<std::shared_ptr<const core::LayerAnalysis>> WorkspaceSession::layer(int index) const {
    if (index < 0 || index >= layer_count()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "layer " + std::to_string(index) + " is not analysed");
    }
    if (auto cached = loaded_layer(index)) {
        return cached;
    }
    const std::string name = layer_names_[index].toStdString();
    auto loaded = core::load_layer_analysis(workspace_.paths().analysis(name));
    if (!loaded) {
        return tl::make_unexpected(loaded.error());
    }
    auto shared = std::make_shared<const core::LayerAnalysis>(std::move(*loaded));
    std::lock_guard<std::mutex> lock(mutex_);
    return layers_.emplace(index, std::move(shared)).first->second;
}

std::shared_ptr<const core::LayerAnalysis> WorkspaceSession::loaded_layer(int index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = layers_.find(index);
    return found == layers_.end() ? nullptr : found->second;
}

std::vector<float> node_feature_f1(const core::Taxonomy& taxonomy,
                                   const core::LayerAnalysis& analysis, int node) {
    const size_t features = size_t(analysis.d_sae);
    std::vector<int64_t> true_positives(features, 0);
    std::vector<int64_t> fired(features, 0);
    int64_t positives = 0;
    const core::Bitset& under = taxonomy.classes_under(node);
    for (int64_t c = 0; c < analysis.classes; ++c) {
        const int64_t* row = analysis.class_fire.data() + size_t(c) * features;
        const bool positive = under.test(int(c));
        for (size_t j = 0; j < features; ++j) {
            fired[j] += row[j];
        }
        if (positive) {
            positives += analysis.class_size[size_t(c)];
            for (size_t j = 0; j < features; ++j) {
                true_positives[j] += row[j];
            }
        }
    }
    std::vector<float> f1(features, 0.0f);
    for (size_t j = 0; j < features; ++j) {
        const int64_t denominator = fired[j] + positives;
        f1[j] =
            denominator > 0 ? float(2.0 * double(true_positives[j]) / double(denominator)) : 0.0f;
    }
    return f1;
}

}  // namespace taxoscope::ui
