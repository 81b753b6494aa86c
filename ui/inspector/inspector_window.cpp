#include "ui/inspector/inspector_window.h"

#include <QAction>
#include <QApplication>
#include <QButtonGroup>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QImageReader>
#include <QKeySequence>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <utility>

#include "ui/inspector/heat_legend.h"
#include "ui/inspector/heatmap_view.h"
#include "ui/inspector/inspection_engine.h"
#include "ui/inspector/inspection_feature_model.h"
#include "ui/inspector/inspection_result.h"
#include "ui/inspector/layer_feature_strip.h"
#include "ui/tasks/background_task.h"

namespace taxoscope::ui {

// The maps (and best node) of a feature outside a layer's top features.
struct InspectorWindow::ExtraMaps {
    const InspectionResult* result = nullptr;  // the inspection they belong to
    int layer = -1;
    core::FeatureMaps maps;
    std::optional<core::NodeLabel> label;
};

namespace {

QImage to_qimage(const core::ImageBuffer& buffer) {
    QImage image(buffer.width, buffer.height, QImage::Format_RGB888);
    const size_t row = static_cast<size_t>(buffer.width) * 3;
    for (int y = 0; y < buffer.height; ++y) {
        std::copy_n(buffer.rgb.data() + static_cast<size_t>(y) * row, row, image.scanLine(y));
    }
    return image;
}

QString layer_title(const core::LayerInspection& layer) {
    QString text = QString::fromStdString(layer.layer);
    if (layer.grid.rows > 0) {
        text += QObject::tr("  (%1, %2×%3 patches)")
                    .arg(QString::fromStdString(core::to_string(layer.kind)))
                    .arg(layer.grid.rows)
                    .arg(layer.grid.cols);
    } else {
        text +=
            QObject::tr("  (%1, no maps)").arg(QString::fromStdString(core::to_string(layer.kind)));
    }
    return text;
}

QString image_filter() {
    QStringList patterns;
    for (const QByteArray& format : QImageReader::supportedImageFormats()) {
        patterns << QStringLiteral("*.") + QString::fromLatin1(format);
    }
    return QObject::tr("Images (%1);;All files (*)").arg(patterns.join(' '));
}

}  // namespace

InspectorWindow::InspectorWindow(QWidget* parent) : QWidget(parent, Qt::Window) {
    setObjectName(QStringLiteral("inspectorWindow"));
    setWindowTitle(tr("Image Inspector - taxoscope"));
    setAcceptDrops(true);

    auto* open = new QPushButton(tr("&Open Image..."), this);
    open->setObjectName(QStringLiteral("inspectorOpen"));
    open->setToolTip(tr("Inspect an image file (Ctrl+O); you can also drop one on this window"));
    connect(open, &QPushButton::clicked, this, &InspectorWindow::choose_image);
    auto* paste = new QPushButton(tr("&Paste Image"), this);
    paste->setObjectName(QStringLiteral("inspectorPaste"));
    paste->setToolTip(tr("Inspect the image on the clipboard (Ctrl+V)"));
    connect(paste, &QPushButton::clicked, this, &InspectorWindow::paste_image);

    auto add_shortcut = [this](const QKeySequence& keys, auto slot) {
        auto* action = new QAction(this);
        action->setShortcut(keys);
        action->setShortcutContext(Qt::WindowShortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
    };
    add_shortcut(QKeySequence::Open, &InspectorWindow::choose_image);
    add_shortcut(QKeySequence(Qt::CTRL | Qt::Key_I), &InspectorWindow::choose_image);
    add_shortcut(QKeySequence::Paste, &InspectorWindow::paste_image);
    add_shortcut(QKeySequence::Close, &QWidget::close);

    image_name_ = new QLabel(tr("No image"), this);
    image_name_->setObjectName(QStringLiteral("inspectorImageName"));
    image_name_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    prediction_ = new QLabel(this);
    prediction_->setObjectName(QStringLiteral("inspectorPrediction"));
    prediction_->setToolTip(tr("The model's own prediction (softmax of its 'logits' output)"));
    prediction_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* header = new QHBoxLayout;
    header->addWidget(open);
    header->addWidget(paste);
    header->addSpacing(12);
    header->addWidget(image_name_, 1);
    header->addWidget(prediction_);

    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("inspectorError"));
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(
        QStringLiteral("QLabel { color: #8a1010; background: #fde8e8; border: 1px solid #e0a0a0; "
                       "padding: 6px; }"));
    error_->setVisible(false);

    auto* columns = new QSplitter(Qt::Horizontal, this);
    columns->addWidget(build_feature_panel());
    columns->addWidget(build_image_panel());
    columns->setStretchFactor(0, 2);
    columns->setStretchFactor(1, 3);
    columns->setSizes({520, 700});

    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("inspectorProgress"));
    progress_->setRange(0, kTaskProgressMaximum);
    progress_->setMaximumWidth(260);
    progress_->setVisible(false);
    progress_text_ = new QLabel(tr("Open an image to see which SAE features fire on it"), this);
    progress_text_->setObjectName(QStringLiteral("inspectorStatus"));
    cancel_button_ = new QToolButton(this);
    cancel_button_->setObjectName(QStringLiteral("inspectorCancel"));
    cancel_button_->setText(tr("Cancel"));
    cancel_button_->setToolTip(tr("Stop the inspection (Esc)"));
    cancel_button_->setShortcut(Qt::Key_Escape);
    cancel_button_->setVisible(false);
    connect(cancel_button_, &QToolButton::clicked, this, &InspectorWindow::cancel);
    auto* status = new QHBoxLayout;
    status->addWidget(progress_text_, 1);
    status->addWidget(progress_);
    status->addWidget(cancel_button_);

    auto* rows = new QSplitter(Qt::Vertical, this);
    rows->addWidget(columns);
    rows->addWidget(build_strip_panel());
    rows->setStretchFactor(0, 1);
    rows->setStretchFactor(1, 0);
    rows->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(error_);
    layout->addWidget(rows, 1);
    layout->addLayout(status);

    connect(&watcher_, &QFutureWatcher<TaskResult>::progressValueChanged, this, [this](int value) {
        if (value > 0) {
            progress_->setRange(0, kTaskProgressMaximum);
            progress_->setValue(value);
        }
    });
    connect(&watcher_, &QFutureWatcher<TaskResult>::progressTextChanged, this,
            [this](const QString& text) {
                if (!token_.is_cancelled() && !text.isEmpty()) {
                    progress_text_->setText(text);
                }
            });
    connect(&watcher_, &QFutureWatcher<TaskResult>::finished, this,
            &InspectorWindow::task_finished);
    connect(&maps_watcher_, &QFutureWatcher<MapsResult>::finished, this,
            &InspectorWindow::extra_maps_finished);
    resize(1280, 780);
}

InspectorWindow::~InspectorWindow() {
    token_.cancel();
    maps_token_.cancel();
    watcher_.waitForFinished();
    maps_watcher_.waitForFinished();
}

QWidget* InspectorWindow::build_strip_panel() {
    auto* panel = new QWidget(this);
    auto* title = new QLabel(tr("<b>Features across layers</b> for node"), panel);
    node_combo_ = new QComboBox(panel);
    node_combo_->setObjectName(QStringLiteral("inspectorStripNode"));
    node_combo_->setEditable(true);
    node_combo_->setInsertPolicy(QComboBox::NoInsert);
    node_combo_->setMinimumContentsLength(28);
    node_combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    node_combo_->setToolTip(
        tr("The taxonomy node whose best feature in every layer the strip shows; type to search "
           "by name or id. Selecting a feature in the table sets it to the feature's best node"));
    node_combo_->completer()->setFilterMode(Qt::MatchContains);
    node_combo_->completer()->setCaseSensitivity(Qt::CaseInsensitive);
    node_combo_->completer()->setCompletionMode(QCompleter::PopupCompletion);
    connect(node_combo_, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        if (index >= 0) {
            set_strip_node(node_combo_->itemData(index).toInt());
        }
    });
    strip_caption_ = new QLabel(panel);
    strip_caption_->setObjectName(QStringLiteral("inspectorStripCaption"));
    strip_caption_->setText(
        tr("bar height: the activation on this image relative to the feature's largest over the "
           "workspace's images · colour: the feature's F1 for the node · click a bar to select"));
    strip_caption_->setWordWrap(true);
    QFont small = strip_caption_->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    strip_caption_->setFont(small);
    strip_ = new LayerFeatureStrip(panel);
    strip_->setObjectName(QStringLiteral("inspectorLayerStrip"));
    connect(strip_, &LayerFeatureStrip::bar_clicked, this, &InspectorWindow::strip_clicked);

    auto* row = new QHBoxLayout;
    row->addWidget(title);
    row->addWidget(node_combo_);
    row->addSpacing(12);
    row->addWidget(strip_caption_, 1);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(row);
    layout->addWidget(strip_);
    return panel;
}

QWidget* InspectorWindow::build_feature_panel() {
    auto* panel = new QWidget(this);
    auto* layer_label = new QLabel(tr("&Layer:"), panel);
    layer_combo_ = new QComboBox(panel);
    layer_combo_->setObjectName(QStringLiteral("inspectorLayer"));
    layer_combo_->setToolTip(tr("The layer whose SAE features are listed and mapped"));
    layer_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    layer_label->setBuddy(layer_combo_);
    connect(layer_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &InspectorWindow::layer_changed);
    auto* layer_row = new QHBoxLayout;
    layer_row->addWidget(layer_label);
    layer_row->addWidget(layer_combo_, 1);

    layer_note_ = new QLabel(panel);
    layer_note_->setObjectName(QStringLiteral("inspectorLayerNote"));
    layer_note_->setWordWrap(true);

    model_ = new InspectionFeatureModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(InspectionFeatureModel::SortRole);
    table_ = new QTableView(panel);
    table_->setObjectName(QStringLiteral("inspectorFeatures"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(InspectionFeatureModel::ActivationColumn, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(InspectionFeatureModel::NodeColumn,
                                                     QHeaderView::Stretch);
    table_->setToolTip(
        tr("The features that fire on this image, largest first; click a header "
           "to sort, select a row to map the feature over the image"));
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &InspectorWindow::feature_changed);

    goto_explorer_ = new QPushButton(tr("&Go to Feature in Explorer"), panel);
    goto_explorer_->setObjectName(QStringLiteral("inspectorGotoExplorer"));
    goto_explorer_->setToolTip(
        tr("Show this feature in the explorer: its top images, histogram and taxonomy (Ctrl+G)"));
    goto_explorer_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    goto_explorer_->setEnabled(false);
    connect(goto_explorer_, &QPushButton::clicked, this, &InspectorWindow::request_explorer);
    connect(table_, &QTableView::doubleClicked, this, &InspectorWindow::request_explorer);

    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(layer_row);
    layout->addWidget(layer_note_);
    layout->addWidget(table_, 1);
    layout->addWidget(goto_explorer_, 0, Qt::AlignLeft);
    return panel;
}

QWidget* InspectorWindow::build_image_panel() {
    auto* panel = new QWidget(this);
    caption_ = new QLabel(panel);
    caption_->setObjectName(QStringLiteral("inspectorCaption"));
    caption_->setWordWrap(true);
    caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    heatmap_ = new HeatmapView(panel);
    heatmap_->setObjectName(QStringLiteral("inspectorHeatmap"));

    patch_button_ = new QRadioButton(tr("&Patch projection"), panel);
    patch_button_->setToolTip(
        tr("The SAE applied to every patch token on its own: which patches carry the feature"));
    relevance_button_ = new QRadioButton(tr("Gradient &relevancy"), panel);
    relevance_button_->setToolTip(
        tr("|dz/dx · x| summed over colour channels and pooled per patch: which pixels the "
           "image-level feature depends on"));
    patch_button_->setChecked(true);
    kind_group_ = new QButtonGroup(this);
    kind_group_->addButton(patch_button_, 0);
    kind_group_->addButton(relevance_button_, 1);
    connect(kind_group_, &QButtonGroup::idClicked, this,
            [this](int id) { set_map_kind(id == 1 ? MapKind::Relevance : MapKind::Patch); });

    auto* opacity_label = new QLabel(tr("Opa&city:"), panel);
    opacity_ = new QSlider(Qt::Horizontal, panel);
    opacity_->setObjectName(QStringLiteral("inspectorOpacity"));
    opacity_->setRange(0, 100);
    opacity_->setValue(55);
    opacity_->setToolTip(tr("How strongly the heatmap covers the image (0: image only)"));
    opacity_label->setBuddy(opacity_);
    opacity_value_ = new QLabel(QStringLiteral("55%"), panel);
    opacity_value_->setMinimumWidth(opacity_value_->fontMetrics().horizontalAdvance("100%"));
    connect(opacity_, &QSlider::valueChanged, this, [this](int value) {
        opacity_value_->setText(QStringLiteral("%1%").arg(value));
        heatmap_->set_opacity(value / 100.0);
    });
    heatmap_->set_opacity(0.55);

    grid_box_ = new QCheckBox(tr("Patch &borders"), panel);
    grid_box_->setToolTip(tr("Draw the layer's patch grid over the image"));
    grid_box_->setChecked(true);
    connect(grid_box_, &QCheckBox::toggled, heatmap_, &HeatmapView::set_show_grid);
    colormap_combo_ = new QComboBox(panel);
    colormap_combo_->addItem(tr("inferno"));
    colormap_combo_->addItem(tr("viridis"));
    colormap_combo_->setToolTip(tr("Colour map of the heatmap (perceptually uniform)"));
    connect(colormap_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int index) {
                const HeatColormap map = index == 1 ? HeatColormap::Viridis : HeatColormap::Inferno;
                heatmap_->set_colormap(map);
                legend_->set_colormap(map);
            });

    auto* controls = new QHBoxLayout;
    controls->addWidget(patch_button_);
    controls->addWidget(relevance_button_);
    controls->addSpacing(12);
    controls->addWidget(opacity_label);
    controls->addWidget(opacity_, 1);
    controls->addWidget(opacity_value_);
    controls->addWidget(grid_box_);
    controls->addWidget(colormap_combo_);

    legend_ = new HeatLegend(panel);
    legend_->setObjectName(QStringLiteral("inspectorLegend"));

    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(caption_);
    layout->addWidget(heatmap_, 1);
    layout->addLayout(controls);
    layout->addWidget(legend_);
    return panel;
}

void InspectorWindow::set_workspace(const QString& folder) {
    const QString absolute = folder.isEmpty() ? QString() : QFileInfo(folder).absoluteFilePath();
    if (absolute == workspace_ && engine_) {
        return;
    }
    token_.cancel();
    pending_path_.clear();
    watcher_.waitForFinished();
    workspace_ = absolute;
    cancel_extra_maps();
    maps_watcher_.waitForFinished();
    engine_ = workspace_.isEmpty() ? nullptr : InspectionEngine::shared(workspace_.toStdString());
    show_result(nullptr);
    error_->setVisible(false);
    last_error_.clear();
    setWindowTitle(workspace_.isEmpty()
                       ? tr("Image Inspector - taxoscope")
                       : tr("Image Inspector - %1 - taxoscope").arg(QDir(workspace_).dirName()));
}

bool InspectorWindow::inspect_file(const QString& path, const QString& display_name) {
    const QFileInfo info(path);
    const QString name = display_name.isEmpty() ? info.fileName() : display_name;
    QString problem;
    if (!engine_) {
        problem = tr("no workspace is open; open one first (File → Open Workspace)");
    } else if (path.isEmpty() || !info.exists()) {
        problem = tr("%1: no such file").arg(path);
    } else if (info.isDir()) {
        problem = tr("%1: is a folder, not an image").arg(path);
    } else if (!info.isReadable()) {
        problem = tr("%1: cannot be read (permission denied)").arg(path);
    } else if (info.size() == 0) {
        problem = tr("%1: the file is empty (0 bytes), not an image").arg(path);
    }
    if (!problem.isEmpty()) {
        cancelled_ = false;
        show_error(tr("Cannot inspect %1: %2").arg(name.isEmpty() ? path : name, problem));
        return false;
    }
    start(info.absoluteFilePath(), name);
    return true;
}

bool InspectorWindow::inspect_image(const QImage& image, const QString& display_name) {
    const QString name = display_name.isEmpty() ? tr("pasted image") : display_name;
    if (image.isNull()) {
        show_error(tr("Cannot inspect %1: the image data is empty or not decodable").arg(name));
        return false;
    }
    if (!temp_.isValid()) {
        show_error(tr("Cannot inspect %1: no temporary folder to save it in (%2)")
                       .arg(name, temp_.errorString()));
        return false;
    }
    const QString path = temp_.filePath(QStringLiteral("pasted-%1.png").arg(++pasted_));
    if (!image.save(path, "PNG")) {
        show_error(tr("Cannot inspect %1: could not save it as %2").arg(name, path));
        return false;
    }
    return inspect_file(path, name);
}

void InspectorWindow::choose_image() {
    QString folder;
    if (result_) {
        folder = QFileInfo(result_->image_path).absolutePath();
    }
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Inspect Image"), folder, image_filter());
    if (!path.isEmpty()) {
        inspect_file(path);
    }
}

void InspectorWindow::paste_image() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (mime != nullptr && mime->hasImage()) {
        inspect_image(qvariant_cast<QImage>(mime->imageData()), tr("pasted image"));
    } else if (mime != nullptr && mime->hasUrls() && mime->urls().front().isLocalFile()) {
        inspect_file(mime->urls().front().toLocalFile());
    } else {
        show_error(
            tr("Cannot paste: the clipboard holds no image (copy an image or an image "
               "file first)"));
    }
}

void InspectorWindow::start(const QString& path, const QString& display_name) {
    if (is_running()) {
        // One inspection at a time: stop the running one, start this one when it has.
        pending_path_ = path;
        pending_name_ = display_name;
        token_.cancel();
        return;
    }
    token_ = core::CancelToken();
    cancelled_ = false;
    last_error_.clear();
    error_->setVisible(false);
    running_name_ = display_name;
    set_running(true);
    progress_text_->setText(engine_->is_open() ? tr("Inspecting %1…").arg(display_name)
                                               : tr("Loading the model and SAEs, then "
                                                    "inspecting %1…")
                                                     .arg(display_name));
    auto engine = engine_;
    const std::filesystem::path file = path.toStdString();
    watcher_.setFuture(run_in_background<TaskResult>(
        [engine, file, display_name](core::ProgressSink& progress,
                                     const core::CancelToken& cancel) -> TaskResult {
            core::InspectOptions options;
            return engine->run(file, display_name, options, progress, cancel);
        },
        token_));
}

bool InspectorWindow::is_running() const {
    return running_;
}

void InspectorWindow::set_running(bool running) {
    running_ = running;
    progress_->setRange(0, 0);  // busy until the task reports a fraction
    progress_->setVisible(running);
    cancel_button_->setVisible(running);
    cancel_button_->setEnabled(running);
}

void InspectorWindow::cancel() {
    pending_path_.clear();
    if (!is_running()) {
        return;
    }
    token_.cancel();
    cancel_button_->setEnabled(false);
    progress_text_->setText(tr("Cancelling…"));
}

void InspectorWindow::task_finished() {
    set_running(false);
    const QFuture<TaskResult> future = watcher_.future();
    bool ok = false;
    if (future.resultCount() == 0) {
        cancelled_ = true;
        last_error_ = tr("cancelled");
        progress_text_->setText(tr("Inspection of %1 cancelled").arg(running_name_));
    } else if (const TaskResult result = future.result(); !result) {
        const QString message = QString::fromStdString(result.error().message);
        last_error_ = message;
        if (result.error().code == core::ErrorCode::Cancelled) {
            cancelled_ = true;
            progress_text_->setText(tr("Inspection of %1 cancelled").arg(running_name_));
        } else {
            show_result(nullptr);
            show_error(tr("Cannot inspect %1: %2").arg(running_name_, message));
        }
    } else {
        ok = true;
        show_result(*result);
        const core::ImageInspection& inspection = (*result)->inspection;
        progress_text_->setText(tr("%1: %2 layers inspected on %3")
                                    .arg((*result)->display_name)
                                    .arg(inspection.layers.size())
                                    .arg(QString::fromStdString(inspection.device)));
    }
    if (!pending_path_.isEmpty()) {
        const QString path = std::exchange(pending_path_, QString());
        start(path, std::exchange(pending_name_, QString()));
    }
    Q_EMIT inspection_finished(ok);
}

bool InspectorWindow::wait_until_done(int timeout_ms) {
    QElapsedTimer timer;
    timer.start();
    while (is_running() && timer.elapsed() < timeout_ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    QCoreApplication::processEvents();
    return !is_running() && result_ != nullptr && last_error_.isEmpty();
}

void InspectorWindow::show_error(const QString& message) {
    last_error_ = message;
    error_->setText(message);
    error_->setVisible(true);
    progress_text_->setText(tr("Inspection failed"));
}

void InspectorWindow::show_result(std::shared_ptr<const InspectionResult> result) {
    const QString previous_layer = current_layer();
    result_ = std::move(result);
    {
        const QSignalBlocker block(layer_combo_);
        layer_combo_->clear();
    }
    if (!result_) {
        model_->clear();
        heatmap_->set_image(QImage());
        legend_->clear();
        image_name_->setText(tr("No image"));
        prediction_->clear();
        caption_->clear();
        layer_note_->clear();
        goto_explorer_->setEnabled(false);
        cancel_extra_maps();
        extra_maps_.reset();
        strip_node_ = -1;
        strip_->clear();
        return;
    }
    fill_node_selector();
    const core::PreparedImage& image = result_->image;
    image_name_->setText(tr("<b>%1</b> &nbsp; %2×%3 px, model input %4×%5")
                             .arg(result_->display_name.toHtmlEscaped())
                             .arg(image.original.width)
                             .arg(image.original.height)
                             .arg(result_->inspection.input_width)
                             .arg(result_->inspection.input_height));
    image_name_->setToolTip(result_->image_path);
    if (result_->predicted) {
        const PredictedClass& p = *result_->predicted;
        prediction_->setText(
            tr("Predicted: <b>%1</b> (%2%)")
                .arg(p.name.isEmpty() ? tr("class %1").arg(p.index) : p.name.toHtmlEscaped())
                .arg(double(p.probability) * 100.0, 0, 'f', 1));
    } else {
        prediction_->setText(tr("<i>No prediction: %1</i>").arg(result_->prediction_note));
    }
    heatmap_->set_image(to_qimage(image.view));

    int chosen = -1;
    int last_with_maps = -1;
    const QSignalBlocker block(layer_combo_);
    for (size_t i = 0; i < result_->inspection.layers.size(); ++i) {
        const core::LayerInspection& layer = result_->inspection.layers[i];
        const QString name = QString::fromStdString(layer.layer);
        layer_combo_->addItem(layer_title(layer), name);
        if (!layer.note.empty()) {
            layer_combo_->setItemData(int(i), QString::fromStdString(layer.note), Qt::ToolTipRole);
        }
        if (name == previous_layer) {
            chosen = int(i);
        }
        if (!layer.maps.empty()) {
            last_with_maps = int(i);
        }
    }
    // Keep the layer the user looked at; else the deepest layer that has maps.
    if (chosen < 0) {
        chosen = last_with_maps >= 0 ? last_with_maps : layer_combo_->count() - 1;
    }
    layer_combo_->setCurrentIndex(chosen);
    layer_changed();
}

int InspectorWindow::layer_index() const {
    return result_ ? layer_combo_->currentIndex() : -1;
}

QString InspectorWindow::current_layer() const {
    return layer_combo_->currentData().toString();
}

bool InspectorWindow::select_layer(const QString& name) {
    const int index = layer_combo_->findData(name);
    if (index < 0) {
        return false;
    }
    layer_combo_->setCurrentIndex(index);  // layer_changed() via the signal when it differs
    return true;
}

void InspectorWindow::layer_changed() {
    const int layer = layer_index();
    cancel_extra_maps();
    extra_maps_.reset();
    model_->set_layer(result_, layer);
    strip_->set_current(layer);
    if (layer < 0) {
        layer_note_->clear();
        feature_changed();
        return;
    }
    const core::LayerInspection& inspection = result_->inspection.layers[size_t(layer)];
    const auto firing = std::count_if(inspection.codes.begin(), inspection.codes.end(),
                                      [](float z) { return z > 0.0f; });
    QString note = inspection.top.empty()
                       ? tr("No feature of this layer's SAE (%1 features) fires on the image.")
                             .arg(inspection.d_sae)
                       : tr("%1 of %2 features fire on the image; the %3 strongest are listed.")
                             .arg(firing)
                             .arg(inspection.d_sae)
                             .arg(inspection.top.size());
    if (!inspection.note.empty()) {
        note +=
            QStringLiteral(" ") + tr("No maps: %1.").arg(QString::fromStdString(inspection.note));
    }
    if (!result_->notes.isEmpty()) {
        note += QStringLiteral(" ") + result_->notes.join(QStringLiteral("; "));
    }
    layer_note_->setText(note);
    if (model_->rowCount() > 0) {
        select_feature_row(0);
    } else {
        feature_changed();
    }
}

void InspectorWindow::select_feature_row(int row) {
    const QModelIndex index = proxy_->index(row, 0);
    if (!index.isValid()) {
        return;
    }
    table_->setCurrentIndex(index);
    table_->scrollTo(index);
}

int64_t InspectorWindow::current_feature() const {
    const QModelIndex index = table_->currentIndex();
    if (!index.isValid() || model_->layer() < 0) {
        return -1;
    }
    return index.data(InspectionFeatureModel::FeatureRole).toLongLong();
}

void InspectorWindow::feature_changed() {
    goto_explorer_->setEnabled(current_feature() >= 0);
    // The strip follows the selected feature's best node, unless the strip chose the feature.
    if (!strip_selecting_ && current_feature() >= 0) {
        const int row = model_->row_of_feature(current_feature());
        if (const auto label = model_->label_at(row); label && label->node >= 0) {
            set_strip_node(label->node);
        }
    }
    update_overlay();
}

void InspectorWindow::fill_node_selector() {
    const NodeAlignmentTable* table = result_ ? result_->nodes.get() : nullptr;
    if (table == filled_nodes_) {
        return;
    }
    filled_nodes_ = table;
    const QSignalBlocker block(node_combo_);
    node_combo_->clear();
    if (table == nullptr) {
        return;
    }
    for (size_t v = 0; v < table->nodes.size(); ++v) {
        node_combo_->addItem(table->label(int(v)), int(v));
    }
    strip_node_ = -1;
}

bool InspectorWindow::set_strip_node(int node) {
    if (!result_ || node < 0 || size_t(node) >= result_->nodes->nodes.size()) {
        return false;
    }
    strip_node_ = node;
    {
        const QSignalBlocker block(node_combo_);
        node_combo_->setCurrentIndex(node_combo_->findData(node));
    }
    update_strip();
    return true;
}

void InspectorWindow::update_strip() {
    if (!result_ || strip_node_ < 0) {
        strip_->clear();
        return;
    }
    const NodeAlignmentTable& table = *result_->nodes;
    QVector<StripBar> bars;
    for (const core::LayerInspection& layer : result_->inspection.layers) {
        StripBar bar;
        bar.layer = QString::fromStdString(layer.layer);
        const LayerNodeAlignment* alignment = table.layer(layer.layer);
        if (alignment == nullptr) {
            bar.note = tr("the layer has no analysis (analysis/<layer>.safetensors)");
        } else if (const int feature = alignment->best_feature[size_t(strip_node_)];
                   feature < 0 || size_t(feature) >= layer.codes.size()) {
            bar.note = tr("no feature of the layer detects this node");
        } else {
            bar.feature = feature;
            bar.value = layer.codes[size_t(feature)];
            bar.f1 = alignment->best_f1[size_t(strip_node_)];
            if (size_t(feature) < alignment->act_max.size()) {
                bar.scale = alignment->act_max[size_t(feature)];
            }
        }
        bars.push_back(bar);
    }
    strip_->set_bars(std::move(bars), table.label(strip_node_));
    strip_->set_current(layer_index());
}

void InspectorWindow::strip_clicked(int index) {
    const QVector<StripBar>& bars = strip_->bars();
    if (index >= 0 && index < bars.size() && bars[index].feature >= 0) {
        select_layer_feature(bars[index].layer, bars[index].feature);
    }
}

bool InspectorWindow::select_layer_feature(const QString& layer, int64_t feature) {
    const int index = layer_combo_->findData(layer);
    if (!result_ || index < 0 || feature < 0 ||
        size_t(feature) >= result_->inspection.layers[size_t(index)].codes.size()) {
        return false;
    }
    strip_selecting_ = true;
    if (layer_combo_->currentIndex() != index) {
        layer_combo_->setCurrentIndex(index);  // layer_changed() refills the table
    }
    int row = model_->row_of_feature(feature);
    if (row < 0) {
        cancel_extra_maps();
        extra_maps_.reset();
        const core::LayerInspection& inspection = result_->inspection.layers[size_t(index)];
        model_->set_extra(ExtraFeature{feature, inspection.codes[size_t(feature)], std::nullopt});
        row = model_->row_of_feature(feature);
        start_extra_maps(index, feature);
    }
    const QModelIndex cell = proxy_->mapFromSource(model_->index(row, 0));
    table_->setCurrentIndex(cell);
    table_->scrollTo(cell);
    strip_selecting_ = false;
    goto_explorer_->setEnabled(current_feature() >= 0);
    update_overlay();
    return true;
}

void InspectorWindow::start_extra_maps(int layer, int64_t feature) {
    if (!engine_ || !result_) {
        return;
    }
    maps_token_ = core::CancelToken();
    maps_failed_ = false;
    auto engine = engine_;
    auto result = result_;
    const std::string name = result_->inspection.layers[size_t(layer)].layer;
    maps_watcher_.setFuture(run_in_background<MapsResult>(
        [engine, result, layer, name, feature](core::ProgressSink& progress,
                                               const core::CancelToken& cancel) -> MapsResult {
            auto inspected = engine->layer_maps(result->image, name, {feature},
                                                /*relevance=*/true, progress, cancel);
            if (!inspected) {
                return core::fail(inspected.error());
            }
            auto maps = std::make_shared<ExtraMaps>();
            maps->result = result.get();
            maps->layer = layer;
            if (!inspected->maps.empty()) {
                maps->maps = std::move(inspected->maps.front());
            }
            maps->maps.feature = feature;
            maps->label = engine->best_node(name, feature);
            return std::shared_ptr<const ExtraMaps>(std::move(maps));
        },
        maps_token_));
}

void InspectorWindow::cancel_extra_maps() {
    maps_token_.cancel();
}

bool InspectorWindow::is_computing_maps() const {
    return maps_watcher_.isRunning();
}

bool InspectorWindow::wait_for_maps(int timeout_ms) {
    QElapsedTimer timer;
    timer.start();
    while (maps_watcher_.isRunning() && timer.elapsed() < timeout_ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    QCoreApplication::processEvents();
    return !maps_watcher_.isRunning() && extra_maps_ != nullptr;
}

void InspectorWindow::extra_maps_finished() {
    const QFuture<MapsResult> future = maps_watcher_.future();
    if (future.resultCount() == 0) {
        return;
    }
    const MapsResult maps = future.result();
    if (!maps) {
        if (maps.error().code != core::ErrorCode::Cancelled) {
            maps_failed_ = true;
            caption_->setText(
                caption_->text() +
                QStringLiteral("<br><i>%1</i>")
                    .arg(tr("No map: %1")
                             .arg(QString::fromStdString(maps.error().message).toHtmlEscaped())));
        }
        return;
    }
    const auto& extra = model_->extra();
    if ((*maps)->result != result_.get() || (*maps)->layer != model_->layer() || !extra ||
        extra->feature != (*maps)->maps.feature) {
        return;  // the user moved on
    }
    extra_maps_ = *maps;
    model_->set_extra_label(extra_maps_->label);
    update_overlay();
}

void InspectorWindow::set_map_kind(MapKind kind) {
    map_kind_ = kind;
    (kind == MapKind::Relevance ? relevance_button_ : patch_button_)->setChecked(true);
    update_overlay();
}

void InspectorWindow::set_opacity(double opacity) {
    opacity_->setValue(int(std::lround(std::clamp(opacity, 0.0, 1.0) * 100.0)));
}

void InspectorWindow::update_overlay() {
    const int layer = layer_index();
    const int64_t feature = current_feature();
    const core::FeatureMaps* maps = result_ ? result_->maps(layer, feature) : nullptr;
    if (maps == nullptr && extra_maps_ && extra_maps_->layer == layer &&
        extra_maps_->maps.feature == feature) {
        maps = &extra_maps_->maps;
    }
    relevance_button_->setEnabled(maps != nullptr && !maps->relevance_pixels.empty());
    patch_button_->setEnabled(maps != nullptr && !maps->patch_pixels.empty());
    if (layer < 0 || feature < 0) {
        heatmap_->clear_heat();
        legend_->clear();
        caption_->setText(result_ ? tr("Select a feature to map it over the image") : QString());
        return;
    }
    const core::LayerInspection& inspection = result_->inspection.layers[size_t(layer)];
    const int row = model_->row_of_feature(feature);
    if (row < 0) {
        return;
    }
    const std::optional<core::NodeLabel> label = model_->label_at(row);
    QString text = tr("<b>%1 · feature %2</b> &nbsp; activation %3")
                       .arg(QString::fromStdString(inspection.layer).toHtmlEscaped())
                       .arg(feature)
                       .arg(double(model_->value_at(row)), 0, 'f', 4);
    if (label) {
        const QString node = label->name.empty() ? tr("node %1").arg(label->node)
                                                 : QString::fromStdString(label->name);
        text += tr(" &nbsp; best node <b>%1</b> %2 (F1 %3)")
                    .arg(node.toHtmlEscaped(), QString::fromStdString(label->id).toHtmlEscaped())
                    .arg(double(label->f1), 0, 'f', 3);
    }
    const std::vector<float>* pixels = nullptr;
    QString kind_name;
    if (maps != nullptr) {
        const bool relevance = map_kind_ == MapKind::Relevance && !maps->relevance_pixels.empty();
        pixels = relevance ? &maps->relevance_pixels : &maps->patch_pixels;
        kind_name = relevance ? tr("gradient relevancy |dz/dx · x|")
                              : tr("patch projection (z of each patch token)");
        if (map_kind_ == MapKind::Relevance && !relevance) {
            text += tr("<br><i>No gradient map for this feature: showing the patch projection</i>");
        }
    }
    if (pixels == nullptr || pixels->empty()) {
        heatmap_->clear_heat();
        legend_->clear();
        const bool computing = model_->is_extra(row) && maps_watcher_.isRunning();
        text += QStringLiteral("<br><i>%1</i>")
                    .arg(computing ? tr("Computing this feature's maps…")
                         : inspection.note.empty()
                             ? tr("No map for this feature")
                             : tr("No map: %1")
                                   .arg(QString::fromStdString(inspection.note).toHtmlEscaped()));
        caption_->setText(text);
        return;
    }
    heatmap_->set_heat(*pixels, result_->inspection.input_width, result_->inspection.input_height,
                       inspection.grid.rows, inspection.grid.cols);
    legend_->set_scale(kind_name, double(heatmap_->heat_max()));
    caption_->setText(text);
}

void InspectorWindow::request_explorer() {
    const int64_t feature = current_feature();
    if (feature >= 0) {
        Q_EMIT feature_requested(current_layer(), int(feature));
    }
}

void InspectorWindow::closeEvent(QCloseEvent* event) {
    cancel();  // closing stops the work; the window (and its cached model) stays for next time
    QWidget::closeEvent(event);
}

void InspectorWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QMimeData* mime = event->mimeData();
    if (mime->hasImage()) {
        event->acceptProposedAction();
        return;
    }
    const auto urls = mime->urls();
    if (urls.size() == 1 && urls.front().isLocalFile() &&
        !QFileInfo(urls.front().toLocalFile()).isDir()) {
        event->acceptProposedAction();
    }
}

void InspectorWindow::dropEvent(QDropEvent* event) {
    const QMimeData* mime = event->mimeData();
    const auto urls = mime->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) {
        inspect_file(urls.front().toLocalFile());
    } else if (mime->hasImage()) {
        inspect_image(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
    }
    event->acceptProposedAction();
}

}  // namespace taxoscope::ui
