// One feature in detail: its top-k images (thumbnails with class and activation; a click
// enlarges), its activation histogram, its class distribution, and where it sits in the
// taxonomy (best node, F1, LCH path).
#pragma once

#include <QWidget>

#include <memory>

class QLabel;
class QListView;

namespace taxoscope::core {
struct LayerAnalysis;
}

namespace taxoscope::ui {

class ActivationHistogram;
class ClassDistributionPlot;
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

    ThumbnailCache* thumbnails_;
    QLabel* title_;
    QLabel* path_;
    QListView* grid_;
    ImageGridModel* grid_model_;
    ActivationHistogram* histogram_;
    ClassDistributionPlot* class_plot_;
    int layer_ = -1;
    int feature_ = -1;
};

}  // namespace taxoscope::ui
