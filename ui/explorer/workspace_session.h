// An opened, analysed workspace as the explorer uses it: manifest, images, taxonomy, the
// per-layer summary and every layer's node alignment (read at open: small), and each layer's
// full analysis (top-k, histograms, class x feature counts: large) loaded on first use and kept.
// Thread-safe: the explorer loads layers on a worker thread while the main thread paints.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/analysis/analysis_file.h"
#include "core/store/workspace.h"
#include "core/taxonomy/taxonomy.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"
#include "ui/data/layer_profile_row.h"

namespace taxoscope::ui {

class WorkspaceSession {
  public:
    // Needs workspace.json, images.tsv, taxonomy.json and analysis/summary.json with at least
    // one analysed layer; errors name the missing file and the command that makes it.
    static core::Result<std::shared_ptr<WorkspaceSession>> open(const std::filesystem::path& root,
                                                                core::ProgressSink& progress,
                                                                const core::CancelToken& cancel);

    const core::Workspace& workspace() const { return workspace_; }
    QString folder() const { return QString::fromStdString(workspace_.paths().root().string()); }
    const std::shared_ptr<const core::Taxonomy>& taxonomy() const { return taxonomy_; }
    const std::vector<core::ImageRecord>& images() const { return images_; }
    // Taxonomy class index per image row (-1: unlabelled).
    const std::vector<int32_t>& labels() const { return labels_; }
    const std::vector<int64_t>& class_image_counts() const { return class_image_counts_; }

    // Analysed layers, in the workspace's layer order.
    const QStringList& layer_names() const { return layer_names_; }
    int layer_count() const { return int(layer_names_.size()); }
    const QVector<LayerProfileRow>& profile_rows() const { return profile_rows_; }
    // [layer][node]: best F1 of any feature of the layer for the node.
    const std::vector<std::vector<float>>& node_best_f1() const { return node_best_f1_; }
    const core::LayerSummary& summary(int layer) const { return summaries_[size_t(layer)]; }

    // The layer's full analysis; loaded once, then shared.
    core::Result<std::shared_ptr<const core::LayerAnalysis>> layer(int index) const;
    // Already loaded? (never blocks on a load in progress elsewhere for long: a quick check)
    std::shared_ptr<const core::LayerAnalysis> loaded_layer(int index) const;

  private:
    explicit WorkspaceSession(core::Workspace workspace) : workspace_(std::move(workspace)) {}

    core::Workspace workspace_;
    std::shared_ptr<const core::Taxonomy> taxonomy_;
    std::vector<core::ImageRecord> images_;
    std::vector<int32_t> labels_;
    std::vector<int64_t> class_image_counts_;
    QStringList layer_names_;
    std::vector<core::LayerSummary> summaries_;
    QVector<LayerProfileRow> profile_rows_;
    std::vector<std::vector<float>> node_best_f1_;

    mutable std::mutex mutex_;
    mutable std::map<int, std::shared_ptr<const core::LayerAnalysis>> layers_;
};

// Per-feature F1 for one node, from the layer's class x feature firing counts (the same
// formula as the analysis: 2 TP / (F_j + P_v)).
std::vector<float> node_feature_f1(const core::Taxonomy& taxonomy,
                                   const core::LayerAnalysis& analysis, int node);

}  // namespace taxoscope::ui
