#include "ui/explorer/explorer_widget.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QRadioButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/analysis/analysis_file.h"
#include "ui/data/thumbnail_cache.h"
#include "ui/explorer/feature_detail_panel.h"
#include "ui/explorer/workspace_session.h"
#include "ui/export/figure.h"
#include "ui/graph/taxonomy_graph_view.h"
#include "ui/models/feature_table_model.h"
#include "ui/models/taxonomy_tree_model.h"
#include "ui/plots/alignment_heatmap.h"
#include "ui/plots/feature_plots.h"
#include "ui/plots/layer_profile_plot.h"
#include "ui/views/layer_strip_delegate.h"

namespace taxoscope::ui {

namespace {

double theta_of(const core::LayerSummary& summary) {
    const auto& parameters = summary.parameters;
    if (parameters.is_object() && parameters.contains("theta") && parameters["theta"].is_number()) {
        return parameters["theta"].get<double>();
    }
    return 0.5;
}

}  // namespace

ExplorerWidget::ExplorerWidget(QWidget* parent) : QWidget(parent) {
    thumbnails_ = new ThumbnailCache(96, this);
    tree_model_ = new TaxonomyTreeModel(this);
    table_model_ = new FeatureTableModel(this);
    table_proxy_ = new QSortFilterProxyModel(this);
    table_proxy_->setSourceModel(table_model_);
    table_proxy_->setSortRole(Qt::UserRole);
    table_proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    table_proxy_->setFilterKeyColumn(-1);

    layer_combo_ = new QComboBox(this);
    layer_combo_->setToolTip(tr("The layer every view shows (Ctrl+PgUp / Ctrl+PgDown)"));
    layer_combo_->setMinimumContentsLength(14);
    connect(layer_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &ExplorerWidget::select_layer);
    auto* previous_layer = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp), this);
    connect(previous_layer, &QShortcut::activated, this,
            [this] { select_layer(std::max(layer_ - 1, 0)); });
    auto* next_layer = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown), this);
    connect(next_layer, &QShortcut::activated, this,
            [this] { select_layer(std::min(layer_ + 1, layer_combo_->count() - 1)); });

    detail_ = new FeatureDetailPanel(thumbnails_, this);
    connect(detail_, &FeatureDetailPanel::node_requested, this, &ExplorerWidget::select_node);

    graph_ = new TaxonomyGraphView(this);
    connect(graph_, &TaxonomyGraphView::node_clicked, this, &ExplorerWidget::select_node);
    heatmap_ = new AlignmentHeatmap(this);
    connect(heatmap_, &AlignmentHeatmap::cell_clicked, this, &ExplorerWidget::heatmap_cell_clicked);
    profile_ = new LayerProfilePlot(this);

    auto* heatmap_page = new QWidget(this);
    auto* measure = new QComboBox(heatmap_page);
    measure->addItem(tr("Coverage"), int(AlignmentHeatmap::Measure::Coverage));
    measure->addItem(tr("Mean best F1"), int(AlignmentHeatmap::Measure::MeanBestF1));
    measure->addItem(tr("Coverage minus shuffled baseline"),
                     int(AlignmentHeatmap::Measure::CoverageOverBaseline));
    measure->setToolTip(tr("What each cell shows"));
    connect(measure, qOverload<int>(&QComboBox::currentIndexChanged), this, [this, measure](int) {
        heatmap_->set_measure(AlignmentHeatmap::Measure(measure->currentData().toInt()));
    });
    height_nodes_ = new QListWidget(heatmap_page);
    height_nodes_->setToolTip(
        tr("Nodes of the clicked cell's height, best aligned first; click one to select it"));
    height_nodes_->setMaximumWidth(240);
    connect(height_nodes_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item != nullptr) {
            select_node(item->data(Qt::UserRole).toInt());
        }
    });
    auto* heatmap_row = new QHBoxLayout;
    heatmap_row->addWidget(heatmap_, 1);
    heatmap_row->addWidget(height_nodes_);
    auto* heatmap_layout = new QVBoxLayout(heatmap_page);
    heatmap_layout->setContentsMargins(0, 0, 0, 0);
    heatmap_layout->addWidget(measure);
    heatmap_layout->addLayout(heatmap_row, 1);

    views_ = new QTabWidget(this);
    views_->addTab(graph_, tr("&Graph"));
    views_->addTab(heatmap_page, tr("&Heatmap"));
    views_->addTab(profile_, tr("&Profile"));
    views_->setTabToolTip(0, tr("The selected node's neighbourhood, coloured by best F1"));
    views_->setTabToolTip(1, tr("Coverage per layer and node height"));
    views_->setTabToolTip(2, tr("Probe accuracy, FVU, L0, dead fraction and coverage per layer"));

    auto* middle = new QSplitter(Qt::Vertical, this);
    middle->addWidget(views_);
    middle->addWidget(build_feature_panel());
    middle->setStretchFactor(0, 1);
    middle->setStretchFactor(1, 1);

    auto* columns = new QSplitter(Qt::Horizontal, this);
    columns->addWidget(build_tree_panel());
    columns->addWidget(middle);
    columns->addWidget(detail_);
    columns->setStretchFactor(0, 2);
    columns->setStretchFactor(1, 3);
    columns->setStretchFactor(2, 3);
    // Room for the tree's name, counts and layer strip without a scroll bar at 1280 px.
    columns->setSizes({420, 480, 460});

    auto* top = new QHBoxLayout;
    auto* layer_label = new QLabel(tr("&Layer:"), this);
    layer_label->setBuddy(layer_combo_);
    top->addWidget(layer_label);
    top->addWidget(layer_combo_);
    top->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(columns, 1);

    connect(&layer_watcher_, &QFutureWatcher<LayerResult>::finished, this,
            &ExplorerWidget::layer_loaded);
}

ExplorerWidget::~ExplorerWidget() {
    // A layer still loading finishes on its worker (loading cannot be interrupted midway and
    // holds only shared data); wait so that nothing outlives the widget it reports to.
    layer_watcher_.waitForFinished();
}

QWidget* ExplorerWidget::build_tree_panel() {
    auto* panel = new QWidget(this);
    search_ = new QLineEdit(panel);
    search_->setPlaceholderText(tr("Search nodes by name or wnid (Ctrl+F)"));
    search_->setClearButtonEnabled(true);
    connect(search_, &QLineEdit::returnPressed, this, [this] { search(search_->text()); });
    auto* find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });

    tree_ = new QTreeView(panel);
    tree_->setModel(tree_model_);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->setColumnHidden(TaxonomyTreeModel::IdColumn, true);
    strip_delegate_ = new LayerStripDelegate(TaxonomyTreeModel::LayerF1Role, this);
    tree_->setItemDelegateForColumn(TaxonomyTreeModel::AlignmentColumn, strip_delegate_);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(TaxonomyTreeModel::NameColumn, QHeaderView::Interactive);
    tree_->header()->resizeSection(TaxonomyTreeModel::NameColumn, 210);
    tree_->header()->setSectionResizeMode(TaxonomyTreeModel::ClassesColumn,
                                          QHeaderView::ResizeToContents);
    tree_->header()->setSectionResizeMode(TaxonomyTreeModel::ImagesColumn,
                                          QHeaderView::ResizeToContents);
    tree_->setToolTip(tr("The taxonomy; select a node to list its aligned features"));
    connect(tree_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ExplorerWidget::tree_selection_changed);

    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(search_);
    layout->addWidget(tree_, 1);
    return panel;
}

QWidget* ExplorerWidget::build_feature_panel() {
    auto* panel = new QWidget(this);
    scope_node_ = new QRadioButton(tr("&Node's features"), panel);
    scope_all_ = new QRadioButton(tr("&All features of the layer"), panel);
    scope_node_->setChecked(true);
    scope_node_->setToolTip(
        tr("Features whose best node is the selected node, or whose F1 for it reaches θ"));
    connect(scope_node_, &QRadioButton::toggled, this, [this](bool) { refresh_scope(); });
    table_filter_ = new QLineEdit(panel);
    table_filter_->setPlaceholderText(tr("Filter rows"));
    table_filter_->setClearButtonEnabled(true);
    connect(table_filter_, &QLineEdit::textChanged, table_proxy_,
            &QSortFilterProxyModel::setFilterFixedString);
    scope_label_ = new QLabel(panel);

    table_ = new QTableView(panel);
    table_->setModel(table_proxy_);
    table_->setSortingEnabled(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ExplorerWidget::table_selection_changed);

    auto* bar = new QHBoxLayout;
    bar->addWidget(scope_node_);
    bar->addWidget(scope_all_);
    bar->addWidget(table_filter_, 1);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(scope_label_);
    layout->addWidget(table_, 1);
    return panel;
}

void ExplorerWidget::set_session(std::shared_ptr<const WorkspaceSession> session) {
    layer_watcher_.waitForFinished();
    session_ = std::move(session);
    analysis_.reset();
    layer_ = -1;
    node_ = -1;
    detail_->clear();
    table_model_->set_layer(nullptr, nullptr);
    if (!session_) {
        tree_model_->set_taxonomy(nullptr);
        graph_->set_taxonomy(nullptr);
        heatmap_->set_layers({});
        profile_->set_layers({});
        layer_combo_->clear();
        return;
    }
    tree_model_->set_taxonomy(session_->taxonomy(), session_->class_image_counts());
    tree_model_->set_layer_alignment(session_->layer_names(), session_->node_best_f1());
    graph_->set_taxonomy(session_->taxonomy());
    heatmap_->set_layers(session_->profile_rows());
    profile_->set_layers(session_->profile_rows());
    {
        const QSignalBlocker block(layer_combo_);
        layer_combo_->clear();
        layer_combo_->addItems(session_->layer_names());
    }
    tree_->expandToDepth(1);
    tree_->resizeColumnToContents(TaxonomyTreeModel::AlignmentColumn);
    // The deepest layer first: that is where alignment is usually strongest.
    select_layer(session_->layer_count() - 1);
    select_node(session_->taxonomy()->root());
}

void ExplorerWidget::select_layer(int layer) {
    if (!session_ || layer < 0 || layer >= session_->layer_count()) {
        return;
    }
    if (layer != layer_) {
        layer_ = layer;
        analysis_.reset();
        {
            const QSignalBlocker block(layer_combo_);
            layer_combo_->setCurrentIndex(layer);
        }
        tree_model_->set_current_layer(layer);
        strip_delegate_->set_current_layer(layer);
        tree_->viewport()->update();
        graph_->set_node_scores(session_->node_best_f1()[size_t(layer)]);
        graph_->show_node(node_);
        detail_->clear();
        load_layer(layer);
    }
}

void ExplorerWidget::load_layer(int layer) {
    if (auto loaded = session_->loaded_layer(layer)) {
        analysis_ = std::move(loaded);
        refresh_scope();
        Q_EMIT layer_ready(layer);
        return;
    }
    if (layer_watcher_.isRunning()) {
        return;  // layer_loaded() starts the current layer when the running load ends
    }
    loading_layer_ = layer;
    Q_EMIT status_message(tr("Loading the analysis of %1…").arg(session_->layer_names()[layer]));
    scope_label_->setText(tr("Loading %1…").arg(session_->layer_names()[layer]));
    auto session = session_;
    layer_watcher_.setFuture(
        QtConcurrent::run([session, layer]() { return session->layer(layer); }));
}

void ExplorerWidget::layer_loaded() {
    const LayerResult result = layer_watcher_.result();
    const int loaded = loading_layer_;
    loading_layer_ = -1;
    if (!result) {
        const QString message = QString::fromStdString(result.error().message);
        scope_label_->setText(tr("Could not load the layer: %1").arg(message));
        Q_EMIT status_message(message);
        Q_EMIT layer_failed(loaded, message);
        return;
    }
    if (loaded != layer_) {
        load_layer(layer_);  // the user moved on while this one loaded
        return;
    }
    analysis_ = *result;
    Q_EMIT status_message(tr("%1 loaded").arg(session_->layer_names()[loaded]));
    refresh_scope();
    if (pending_feature_ >= 0) {
        select_feature(std::exchange(pending_feature_, -1));
    }
    Q_EMIT layer_ready(loaded);
}

bool ExplorerWidget::go_to_feature(const QString& layer, int feature) {
    const int index = session_ ? int(session_->layer_names().indexOf(layer)) : -1;
    if (index < 0 || feature < 0) {
        return false;
    }
    select_layer(index);
    if (analysis_) {
        select_feature(feature);  // the layer was loaded already
    } else {
        pending_feature_ = feature;  // layer_loaded() selects it
    }
    return true;
}

bool ExplorerWidget::wait_for_layer(int timeout_ms) {
    QElapsedTimer timer;
    timer.start();
    while (!analysis_ && timer.elapsed() < timeout_ms) {
        if (!layer_watcher_.isRunning() && loading_layer_ < 0) {
            break;  // nothing is loading: the load failed or never started
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return analysis_ != nullptr;
}

void ExplorerWidget::select_node(int node) {
    if (!session_ || node < 0 || node >= session_->taxonomy()->node_count()) {
        return;
    }
    node_ = node;
    if (!syncing_) {
        syncing_ = true;
        const QModelIndex index = tree_model_->index_of_node(node);
        tree_->scrollTo(index);
        tree_->setCurrentIndex(index);
        syncing_ = false;
    }
    graph_->show_node(node);
    refresh_scope();
}

void ExplorerWidget::show_all_features() {
    scope_all_->setChecked(true);
}

void ExplorerWidget::refresh_scope() {
    if (!session_ || !analysis_) {
        return;
    }
    auto features = std::make_shared<LayerFeatures>();
    if (table_model_->layer() == nullptr || table_model_->layer()->layer_index != layer_) {
        features->layer_index = layer_;
        features->analysis = analysis_;
        features->image_count = int64_t(session_->images().size());
        table_model_->set_layer(features, session_->taxonomy());
    }
    const core::Taxonomy& taxonomy = *session_->taxonomy();
    const QString layer_name = session_->layer_names()[layer_];
    if (scope_all_->isChecked() || node_ < 0) {
        table_model_->show_all_features();
        scope_label_->setText(tr("All %1 features of %2").arg(analysis_->d_sae).arg(layer_name));
    } else {
        const std::vector<float> f1 = node_feature_f1(taxonomy, *analysis_, node_);
        const double theta = theta_of(session_->summary(layer_));
        std::vector<int> chosen;
        for (int j = 0; j < int(analysis_->d_sae); ++j) {
            if (analysis_->best_node[size_t(j)] == node_ || double(f1[size_t(j)]) >= theta) {
                chosen.push_back(j);
            }
        }
        std::stable_sort(chosen.begin(), chosen.end(),
                         [&](int a, int b) { return f1[size_t(a)] > f1[size_t(b)]; });
        std::vector<float> chosen_f1;
        for (int j : chosen) {
            chosen_f1.push_back(f1[size_t(j)]);
        }
        table_model_->set_scope(chosen, chosen_f1);
        scope_label_->setText(tr("%1 features of %2 aligned with “%3” (best node, or F1 ≥ %4)")
                                  .arg(chosen.size())
                                  .arg(layer_name)
                                  .arg(QString::fromStdString(taxonomy.node(node_).name))
                                  .arg(theta));
    }
    table_->sortByColumn(
        scope_all_->isChecked() ? FeatureTableModel::BestF1Column : FeatureTableModel::NodeF1Column,
        Qt::DescendingOrder);
    if (table_proxy_->rowCount() > 0) {
        table_->selectRow(0);
    } else {
        detail_->clear();
        highlight_lch(-1);
    }
}

int ExplorerWidget::current_feature() const {
    return detail_->feature();
}

void ExplorerWidget::select_feature(int feature) {
    const int row = table_model_->row_of_feature(feature);
    if (row < 0) {
        show_all_features();
    }
    const int source_row = table_model_->row_of_feature(feature);
    if (source_row < 0) {
        return;
    }
    const QModelIndex index = table_proxy_->mapFromSource(table_model_->index(source_row, 0));
    table_->setCurrentIndex(index);
    table_->scrollTo(index);
}

void ExplorerWidget::search(const QString& text) {
    if (!session_ || text.trimmed().isEmpty()) {
        return;
    }
    const std::vector<int> found = session_->taxonomy()->search(text.trimmed().toStdString(), 50);
    if (found.empty()) {
        Q_EMIT status_message(tr("No node matches “%1”").arg(text));
        return;
    }
    // Repeated Enter walks through the matches.
    auto next = std::upper_bound(found.begin(), found.end(), node_);
    select_node(next == found.end() ? found.front() : *next);
    Q_EMIT status_message(tr("%1 nodes match “%2”").arg(found.size()).arg(text));
}

void ExplorerWidget::tree_selection_changed() {
    if (syncing_) {
        return;
    }
    const int node = tree_model_->node_at(tree_->currentIndex());
    if (node >= 0 && node != node_) {
        syncing_ = true;
        select_node(node);
        syncing_ = false;
    }
}

void ExplorerWidget::table_selection_changed() {
    const QModelIndex current = table_proxy_->mapToSource(table_->currentIndex());
    const int feature = table_model_->feature_at(current.row());
    if (feature < 0 || !analysis_) {
        return;
    }
    detail_->show_feature(session_, layer_, analysis_, feature);
    highlight_lch(feature);
}

void ExplorerWidget::heatmap_cell_clicked(int layer, int height) {
    select_layer(layer);
    const core::Taxonomy& taxonomy = *session_->taxonomy();
    const std::vector<float>& f1 = session_->node_best_f1()[size_t(layer)];
    std::vector<int> nodes;
    for (int v = 0; v < taxonomy.node_count(); ++v) {
        if (taxonomy.is_nontrivial(v) && taxonomy.height(v) == height) {
            nodes.push_back(v);
        }
    }
    std::stable_sort(nodes.begin(), nodes.end(),
                     [&](int a, int b) { return f1[size_t(a)] > f1[size_t(b)]; });
    const QSignalBlocker block(height_nodes_);
    height_nodes_->clear();
    for (int v : nodes) {
        auto* item = new QListWidgetItem(QStringLiteral("%1  (F1 %2)")
                                             .arg(QString::fromStdString(taxonomy.node(v).name))
                                             .arg(double(f1[size_t(v)]), 0, 'f', 2),
                                         height_nodes_);
        item->setData(Qt::UserRole, v);
        item->setToolTip(QString::fromStdString(taxonomy.node(v).id));
    }
    Q_EMIT status_message(tr("%1, height %2: %3 nodes")
                              .arg(session_->layer_names()[layer])
                              .arg(height)
                              .arg(nodes.size()));
}

void ExplorerWidget::highlight_lch(int feature) {
    std::vector<int> path;
    if (analysis_ && feature >= 0 && feature < analysis_->d_sae) {
        const int lch = analysis_->lch_node[size_t(feature)];
        if (lch >= 0) {
            const auto paths = session_->taxonomy()->paths_to_root(lch, 1);
            if (!paths.empty()) {
                path = paths.front();
            }
        }
    }
    tree_model_->set_highlighted_nodes(path);
    graph_->set_highlighted_nodes(path);
}

core::Result<Figure> ExplorerWidget::figure(const QString& what) {
    if (what == "heatmap") {
        return figure_of_plot(*heatmap_, QSize(720, 480));
    }
    if (what == "profile") {
        return figure_of_plot(*profile_, QSize(720, 420));
    }
    if (what == "graph") {
        return figure_of_scene(*graph_->scene());
    }
    if (detail_->feature() < 0) {
        return core::fail(
            core::ErrorCode::InvalidArgument,
            "no feature is selected: choose one before exporting its " + what.toStdString());
    }
    if (what == "grid") {
        return figure_of_widget(*detail_->grid_view()->viewport());
    }
    if (what == "histogram") {
        return figure_of_plot(*detail_->histogram(), QSize(560, 300));
    }
    if (what == "classes") {
        return figure_of_plot(*detail_->class_plot(), QSize(560, 380));
    }
    if (what == "card") {
        return detail_->card_figure();
    }
    return core::fail(core::ErrorCode::InvalidArgument,
                      "unknown figure '" + what.toStdString() +
                          "'; choose heatmap, profile, graph, grid, card, histogram or classes");
}

Provenance ExplorerWidget::provenance(const QString& what) const {
    Provenance provenance;
    provenance.what = what;
    if (!session_) {
        return provenance;
    }
    const core::Workspace& workspace = session_->workspace();
    provenance.workspace = session_->folder();
    provenance.model_sha256 = QString::fromStdString(workspace.manifest().model_sha256);
    if (layer_ >= 0 && what != "heatmap" && what != "profile") {
        const std::string layer = session_->layer_names()[layer_].toStdString();
        provenance.layer = QString::fromStdString(layer);
        provenance.sae_file = QString::fromStdString(workspace.paths().sae_weights(layer).string());
        if (detail_->feature() >= 0 && what != "graph") {
            provenance.what +=
                QStringLiteral(" %1:%2").arg(provenance.layer).arg(detail_->feature());
        }
        if (what == "graph" && node_ >= 0) {
            provenance.what += QStringLiteral(" %1").arg(
                QString::fromStdString(session_->taxonomy()->node(node_).id));
        }
    }
    return provenance;
}

QString ExplorerWidget::feature_table_csv() const {
    auto escape = [](QString text) {
        if (text.contains(',') || text.contains('"') || text.contains('\n')) {
            text.replace('"', "\"\"");
            return '"' + text + '"';
        }
        return text;
    };
    QStringList lines;
    QStringList header;
    for (int c = 0; c < table_proxy_->columnCount(); ++c) {
        header << escape(table_proxy_->headerData(c, Qt::Horizontal).toString());
    }
    lines << header.join(',');
    for (int r = 0; r < table_proxy_->rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < table_proxy_->columnCount(); ++c) {
            cells << escape(table_proxy_->index(r, c).data().toString());
        }
        lines << cells.join(',');
    }
    return lines.join('\n') + '\n';
}

}  // namespace taxoscope::ui
