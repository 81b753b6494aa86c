// One feature in detail: its top-k images (thumbnails with class and activation; a click
// enlarges), its activation histogram, its class distribution, and where it sits in the
// taxonomy (best node, F1, LCH path). "Show heatmaps" draws each top image's patch heatmap for
// the feature over its thumbnail (GridHeatmaps: computed in the background, cached).
#pragma once

#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QListView;

namespace taxoscope::core {
struct LayerAnalysis;
}

namespace taxoscope::ui {

class ActivationHistogram;
class ClassDistributionPlot;
class GridHeatmaps;
class ImageGridModel;
class ThumbnailCache;
class WorkspaceSession;
struct Figure;

class FeatureDetailPanel : public QWidget {
    Q_OBJECT
  public:
    FeatureDetailPanel(ThumbnailCache* thumbnails, QWidget* parent = nullptr);

    void show_feature(std::shared_ptr<const WorkspaceSession> session, int layer,
                      std::shared_ptr<const core::LayerAnalysis> analysis, int feature);
    void clear();
    int feature() const { return feature_; }
    int layer() const { return layer_; }

    ImageGridModel* grid_model() const { return grid_model_; }
    // "Show heatmaps": disabled (its tooltip says why) for layers without a patch grid.
    QCheckBox* heatmap_toggle() const { return heat_toggle_; }
    QLabel* heatmap_status() const { return heat_status_; }
    GridHeatmaps* grid_heatmaps() const { return heatmaps_; }
    void set_show_heatmaps(bool show);
    QListView* grid_view() const { return grid_; }
    ActivationHistogram* histogram() const { return histogram_; }
    ClassDistributionPlot* class_plot() const { return class_plot_; }
    QString heading() const;
    // The feature card: heading, top images, histogram and taxonomy path as one figure.
    Figure card_figure();

  Q_SIGNALS:
    // The user asked to see the LCH or best node in the tree.
    void node_requested(int node);

  private:
    void enlarge(const QModelIndex& index);
    void update_heat_toggle();
    void request_heatmaps();
    void heatmap_ready(const QString& layer, int feature, const QString& ref);

    ThumbnailCache* thumbnails_;
    QLabel* title_;
    QLabel* path_;
    QListView* grid_;
    ImageGridModel* grid_model_;
    ActivationHistogram* histogram_;
    ClassDistributionPlot* class_plot_;
    QCheckBox* heat_toggle_;
    QLabel* heat_status_;
    GridHeatmaps* heatmaps_;
    std::shared_ptr<const WorkspaceSession> session_;
    QString layer_name_;
    int layer_ = -1;
    int feature_ = -1;
};

}  // namespace taxoscope::ui
