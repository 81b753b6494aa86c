// The image inspector: one image through the workspace's model and SAEs. Per layer it lists
// the features that fire on the image (activation, best taxonomy node, F1) and paints the
// selected feature's map over the image the model saw (patch projection or gradient
// relevancy, opacity, colour legend). Images come from a file dialog, drag-and-drop or the
// clipboard; the inspection runs in a background task with progress and cancel.
#pragma once

#include <QFutureWatcher>
#include <QString>
#include <QTemporaryDir>
#include <QWidget>

#include <cstdint>
#include <memory>

#include "core/util/cancel.h"
#include "core/util/error.h"

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QImage;
class QLabel;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSlider;
class QSortFilterProxyModel;
class QTableView;
class QToolButton;

namespace taxoscope::core {
struct FeatureMaps;
}

namespace taxoscope::ui {

class HeatLegend;
class LayerFeatureStrip;
class HeatmapView;
class InspectionEngine;
class InspectionFeatureModel;
struct InspectionResult;

class InspectorWindow : public QWidget {
    Q_OBJECT
  public:
    enum class MapKind { Patch, Relevance };

    explicit InspectorWindow(QWidget* parent = nullptr);
    ~InspectorWindow() override;

    // The workspace whose model and SAEs inspect the images; they load on the first inspection
    // and are kept until the workspace changes. Clears the window.
    void set_workspace(const QString& folder);
    QString workspace() const { return workspace_; }

    // Starts inspecting the file (a running inspection is cancelled first); false, with the
    // error shown, when it cannot start (no workspace, no such file, an empty file).
    bool inspect_file(const QString& path, const QString& display_name = {});
    // Saves the image as a temporary PNG and inspects that (pasted or dropped image data).
    bool inspect_image(const QImage& image, const QString& display_name = {});
    void choose_image();  // file dialog
    void paste_image();   // from the clipboard: image data or a file URL
    void cancel();

    bool is_running() const;
    // Processes events until no inspection is running; true when the last one succeeded.
    bool wait_until_done(int timeout_ms = 300000);
    // The last inspection's (or start's) error; empty after a success.
    QString last_error() const { return last_error_; }
    bool was_cancelled() const { return cancelled_; }
    const std::shared_ptr<const InspectionResult>& result() const { return result_; }

    bool select_layer(const QString& name);
    QString current_layer() const;
    // Selects a row of the (sorted) feature table.
    void select_feature_row(int row);
    int64_t current_feature() const;  // -1 when none is selected
    void set_map_kind(MapKind kind);
    MapKind map_kind() const { return map_kind_; }
    void set_opacity(double opacity);  // 0..1, through the slider

    // "Features across layers": the taxonomy node (an index into taxonomy.json) whose best
    // feature in every layer the strip shows; false for an unknown node. Selecting a feature
    // sets it to that feature's best node.
    bool set_strip_node(int node);
    int strip_node() const { return strip_node_; }
    // Selects the layer and its feature. A feature outside the layer's top features gets a row
    // of its own below them, its maps computed in the background. False for an unknown layer
    // or feature.
    bool select_layer_feature(const QString& layer, int64_t feature);
    bool is_computing_maps() const;
    // Processes events until no extra map is being computed; true when it was computed.
    bool wait_for_maps(int timeout_ms = 60000);

    QTableView* feature_view() const { return table_; }
    InspectionFeatureModel* feature_model() const { return model_; }
    QComboBox* layer_selector() const { return layer_combo_; }
    HeatmapView* heatmap_view() const { return heatmap_; }
    HeatLegend* legend() const { return legend_; }
    QLabel* error_label() const { return error_; }
    QLabel* prediction_label() const { return prediction_; }
    QSlider* opacity_slider() const { return opacity_; }
    QPushButton* explorer_button() const { return goto_explorer_; }
    LayerFeatureStrip* layer_strip() const { return strip_; }
    QComboBox* node_selector() const { return node_combo_; }

  Q_SIGNALS:
    // "Go to feature in explorer": the explorer should show this layer's feature.
    void feature_requested(const QString& layer, int feature);
    // Emitted when an inspection ends (ok: false on error or cancel).
    void inspection_finished(bool ok);

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    using TaskResult = core::Result<std::shared_ptr<const InspectionResult>>;
    struct ExtraMaps;
    using MapsResult = core::Result<std::shared_ptr<const ExtraMaps>>;
    QWidget* build_feature_panel();
    QWidget* build_image_panel();
    QWidget* build_strip_panel();
    void fill_node_selector();
    void update_strip();
    void strip_clicked(int index);
    void start_extra_maps(int layer, int64_t feature);
    void extra_maps_finished();
    void cancel_extra_maps();
    void start(const QString& path, const QString& display_name);
    void task_finished();
    void set_running(bool running);
    void show_error(const QString& message);
    void show_result(std::shared_ptr<const InspectionResult> result);
    void layer_changed();
    void feature_changed();
    void update_overlay();
    void request_explorer();
    int layer_index() const;

    QString workspace_;
    std::shared_ptr<InspectionEngine> engine_;
    std::shared_ptr<const InspectionResult> result_;
    QFutureWatcher<TaskResult> watcher_;
    core::CancelToken token_;
    QFutureWatcher<MapsResult> maps_watcher_;
    core::CancelToken maps_token_;
    std::shared_ptr<const ExtraMaps> extra_maps_;  // of the model's extra row
    bool maps_failed_ = false;
    int strip_node_ = -1;
    bool strip_selecting_ = false;        // a strip click selects: the node stays
    const void* filled_nodes_ = nullptr;  // the NodeAlignmentTable the node selector lists
    QString pending_path_;                // started once the cancelled task has stopped
    QString pending_name_;
    QString running_name_;
    QString last_error_;
    bool running_ = false;
    bool cancelled_ = false;
    MapKind map_kind_ = MapKind::Patch;
    QTemporaryDir temp_;
    int pasted_ = 0;

    QLabel* image_name_ = nullptr;
    QLabel* prediction_ = nullptr;
    QLabel* error_ = nullptr;
    QComboBox* layer_combo_ = nullptr;
    QLabel* layer_note_ = nullptr;
    InspectionFeatureModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* table_ = nullptr;
    QPushButton* goto_explorer_ = nullptr;
    QLabel* caption_ = nullptr;
    HeatmapView* heatmap_ = nullptr;
    HeatLegend* legend_ = nullptr;
    QRadioButton* patch_button_ = nullptr;
    QRadioButton* relevance_button_ = nullptr;
    QButtonGroup* kind_group_ = nullptr;
    QSlider* opacity_ = nullptr;
    QLabel* opacity_value_ = nullptr;
    QCheckBox* grid_box_ = nullptr;
    QComboBox* colormap_combo_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* progress_text_ = nullptr;
    QToolButton* cancel_button_ = nullptr;
    LayerFeatureStrip* strip_ = nullptr;
    QComboBox* node_combo_ = nullptr;
    QLabel* strip_caption_ = nullptr;
};

}  // namespace taxoscope::ui
