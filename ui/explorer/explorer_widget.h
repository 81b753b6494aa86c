// The explorer: taxonomy tree (with search) ⇄ graph of the selected node ⇄ feature table ⇄
// feature detail, plus the alignment heatmap and the layer profile, all sharing one layer
// selector. Layer analyses load on a worker thread; the main thread only paints.
#pragma once

#include <QFutureWatcher>
#include <QWidget>

#include <memory>

#include "core/util/error.h"
#include "ui/export/figure_writer.h"

class QComboBox;
class QLabel;
class QListWidget;
class QLineEdit;
class QRadioButton;
class QSortFilterProxyModel;
class QTableView;
class QTabWidget;
class QTreeView;

namespace taxoscope::core {
struct LayerAnalysis;
}

namespace taxoscope::ui {

class AlignmentHeatmap;
class FeatureDetailPanel;
class FeatureTableModel;
class LayerProfilePlot;
class LayerStripDelegate;
class TaxonomyGraphView;
class TaxonomyTreeModel;
class ThumbnailCache;
class WorkspaceSession;

class ExplorerWidget : public QWidget {
    Q_OBJECT
  public:
    explicit ExplorerWidget(QWidget* parent = nullptr);
    ~ExplorerWidget() override;

    void set_session(std::shared_ptr<const WorkspaceSession> session);
    const std::shared_ptr<const WorkspaceSession>& session() const { return session_; }

    void select_layer(int layer);
    void select_node(int node);
    void select_feature(int feature);
    void show_all_features();
    // Shows `feature` of the analysed layer named `layer` (loading it first when needed); false
    // when no analysed layer has that name.
    bool go_to_feature(const QString& layer, int feature);
    int current_layer() const { return layer_; }
    int current_node() const { return node_; }
    int current_feature() const;

    // Figures for export: "heatmap", "profile", "graph", "grid", "card", "histogram", "classes".
    core::Result<Figure> figure(const QString& what);
    // Where a figure comes from, for its metadata.
    Provenance provenance(const QString& what) const;
    // The feature table as CSV (the rows and columns shown, sorted as shown).
    QString feature_table_csv() const;
    // Blocks (processing events) until the current layer's analysis is loaded; false on error.
    bool wait_for_layer(int timeout_ms = 30000);
    // The thumbnails of the top-image grid (headless screenshots wait for their loads).
    ThumbnailCache* thumbnails() const { return thumbnails_; }

    QTreeView* tree_view() const { return tree_; }
    TaxonomyTreeModel* tree_model() const { return tree_model_; }
    QTableView* feature_view() const { return table_; }
    FeatureTableModel* feature_model() const { return table_model_; }
    FeatureDetailPanel* detail() const { return detail_; }
    AlignmentHeatmap* heatmap() const { return heatmap_; }
    QListWidget* height_nodes() const { return height_nodes_; }
    LayerProfilePlot* profile() const { return profile_; }
    TaxonomyGraphView* graph() const { return graph_; }
    QComboBox* layer_selector() const { return layer_combo_; }
    QLineEdit* search_box() const { return search_; }

  Q_SIGNALS:
    void status_message(const QString& message);
    void layer_ready(int layer);
    void layer_failed(int layer, const QString& error);

  private:
    using LayerResult = core::Result<std::shared_ptr<const core::LayerAnalysis>>;
    QWidget* build_tree_panel();
    QWidget* build_feature_panel();
    void load_layer(int layer);
    void layer_loaded();
    void refresh_scope();
    void search(const QString& text);
    void tree_selection_changed();
    void table_selection_changed();
    void heatmap_cell_clicked(int layer, int height);
    void highlight_lch(int feature);

    std::shared_ptr<const WorkspaceSession> session_;
    std::shared_ptr<const core::LayerAnalysis> analysis_;  // of layer_, once loaded
    int layer_ = -1;
    int node_ = -1;
    int pending_feature_ = -1;
    bool syncing_ = false;

    ThumbnailCache* thumbnails_;
    TaxonomyTreeModel* tree_model_;
    LayerStripDelegate* strip_delegate_;
    QTreeView* tree_;
    QLineEdit* search_;
    QComboBox* layer_combo_;
    QRadioButton* scope_node_;
    QRadioButton* scope_all_;
    QLineEdit* table_filter_;
    FeatureTableModel* table_model_;
    QSortFilterProxyModel* table_proxy_;
    QTableView* table_;
    QLabel* scope_label_;
    FeatureDetailPanel* detail_;
    TaxonomyGraphView* graph_;
    AlignmentHeatmap* heatmap_;
    QListWidget* height_nodes_;
    LayerProfilePlot* profile_;
    QTabWidget* views_;
    QFutureWatcher<LayerResult> layer_watcher_;
    int loading_layer_ = -1;
};

}  // namespace taxoscope::ui
