#include "ui/explorer/feature_detail_panel.h"

#include <QCheckBox>
#include <QDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QShortcut>
#include <QSplitter>
#include <QVBoxLayout>

#include <filesystem>

#include "core/analysis/analysis_file.h"
#include "ui/data/thumbnail_cache.h"
#include "ui/explorer/grid_heatmaps.h"
#include "ui/explorer/workspace_session.h"
#include "ui/export/figure.h"
#include "ui/models/image_grid_model.h"
#include "ui/plots/feature_plots.h"

namespace taxoscope::ui {

namespace {

QString node_text(const core::Taxonomy& taxonomy, int node) {
    if (node < 0 || node >= taxonomy.node_count()) {
        return QStringLiteral("–");
    }
    return QString::fromStdString(taxonomy.node(node).name);
}

QString path_text(const core::Taxonomy& taxonomy, int node) {
    if (node < 0 || node >= taxonomy.node_count()) {
        return {};
    }
    const auto paths = taxonomy.paths_to_root(node, 1);
    if (paths.empty()) {
        return {};
    }
    QStringList names;
    for (auto step = paths.front().rbegin(); step != paths.front().rend(); ++step) {
        names << QString::fromStdString(taxonomy.node(*step).name);
    }
    return names.join(QStringLiteral(" › "));
}

}  // namespace

FeatureDetailPanel::FeatureDetailPanel(ThumbnailCache* thumbnails, QWidget* parent)
    : QWidget(parent), thumbnails_(thumbnails) {
    title_ = new QLabel(tr("Select a feature"), this);
    title_->setTextFormat(Qt::RichText);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    title_->setWordWrap(true);
    path_ = new QLabel(this);
    path_->setWordWrap(true);
    path_->setTextFormat(Qt::RichText);
    path_->setToolTip(tr("Path from the root to the feature's LCH; click a link to select it"));
    connect(title_, &QLabel::linkActivated, this,
            [this](const QString& link) { Q_EMIT node_requested(link.toInt()); });
    connect(path_, &QLabel::linkActivated, this,
            [this](const QString& link) { Q_EMIT node_requested(link.toInt()); });

    grid_model_ = new ImageGridModel(thumbnails_, this);
    grid_ = new QListView(this);
    grid_->setModel(grid_model_);
    grid_->setViewMode(QListView::IconMode);
    grid_->setResizeMode(QListView::Adjust);
    grid_->setMovement(QListView::Static);
    grid_->setUniformItemSizes(true);
    grid_->setIconSize(QSize(thumbnails_->side(), thumbnails_->side()));
    grid_->setGridSize(QSize(thumbnails_->side() + 16, thumbnails_->side() + 40));
    grid_->setWordWrap(true);
    grid_->setToolTip(tr("The feature's top-activating images; click or Enter enlarges one"));
    connect(grid_, &QListView::clicked, this, &FeatureDetailPanel::enlarge);
    auto* enlarge_key = new QShortcut(QKeySequence(Qt::Key_Return), grid_);
    enlarge_key->setContext(Qt::WidgetShortcut);
    connect(enlarge_key, &QShortcut::activated, this, [this] { enlarge(grid_->currentIndex()); });

    heat_toggle_ = new QCheckBox(tr("Show &heatmaps"), this);
    heat_toggle_->setObjectName(QStringLiteral("gridHeatmapToggle"));
    heat_toggle_->setEnabled(false);
    heat_status_ = new QLabel(this);
    heat_status_->setObjectName(QStringLiteral("gridHeatmapStatus"));
    heat_status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    heatmaps_ = new GridHeatmaps(thumbnails_->side(), this);
    connect(heat_toggle_, &QCheckBox::toggled, this, &FeatureDetailPanel::set_show_heatmaps);
    connect(heatmaps_, &GridHeatmaps::overlay_ready, this, &FeatureDetailPanel::heatmap_ready);
    connect(heatmaps_, &GridHeatmaps::progress, this, [this](int done, int total) {
        if (heat_toggle_->isChecked()) {
            heat_status_->setText(
                done < total ? tr("computing heatmaps %1/%2…").arg(done).arg(total) : QString());
        }
    });
    connect(heatmaps_, &GridHeatmaps::failed, this, [this](const QString& message) {
        heat_status_->setText(tr("<span style=\"color:#a01010\">No heatmaps: %1</span>")
                                  .arg(message.toHtmlEscaped()));
        heat_status_->setToolTip(message);
    });
    auto* heat_row = new QHBoxLayout;
    heat_row->setContentsMargins(0, 0, 0, 0);
    heat_row->addWidget(heat_toggle_);
    heat_row->addWidget(heat_status_, 1);
    auto* grid_box = new QWidget(this);
    auto* grid_layout = new QVBoxLayout(grid_box);
    grid_layout->setContentsMargins(0, 0, 0, 0);
    grid_layout->addLayout(heat_row);
    grid_layout->addWidget(grid_, 1);

    histogram_ = new ActivationHistogram(this);
    class_plot_ = new ClassDistributionPlot(this);
    histogram_->setMinimumHeight(160);
    class_plot_->setMinimumHeight(200);

    auto* plots = new QSplitter(Qt::Horizontal, this);
    plots->addWidget(histogram_);
    plots->addWidget(class_plot_);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(grid_box);
    split->addWidget(plots);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(title_);
    layout->addWidget(path_);
    layout->addWidget(split, 1);
}

void FeatureDetailPanel::clear() {
    layer_ = -1;
    feature_ = -1;
    layer_name_.clear();
    heatmaps_->cancel();
    grid_model_->clear_overlays();
    update_heat_toggle();
    title_->setText(tr("Select a feature"));
    path_->clear();
    grid_model_->set_images({});
    histogram_->set_histogram({}, {});
    class_plot_->set_rates({});
}

QString FeatureDetailPanel::heading() const {
    return title_->text();
}

void FeatureDetailPanel::show_feature(std::shared_ptr<const WorkspaceSession> session, int layer,
                                      std::shared_ptr<const core::LayerAnalysis> analysis,
                                      int feature) {
    if (!session || !analysis || feature < 0 || feature >= analysis->d_sae) {
        clear();
        return;
    }
    const QString layer_name = session->layer_names()[layer];
    if (layer_name != layer_name_ || feature != feature_ || session != session_) {
        grid_model_->clear_overlays();  // they belong to the previous feature
    }
    session_ = session;
    heatmaps_->set_workspace(session->folder());
    layer_ = layer;
    feature_ = feature;
    layer_name_ = layer_name;
    const core::Taxonomy& taxonomy = *session->taxonomy();
    const size_t j = size_t(feature);
    const int best = analysis->best_node[j];
    const int lch = analysis->lch_node[j];
    title_->setText(tr("<b>%1 · feature %2</b> — best node <a href=\"%3\">%4</a> (F1 %5), "
                       "LCH <a href=\"%6\">%7</a> (height %8), fires on %9 of %10 images")
                        .arg(session->layer_names()[layer].toHtmlEscaped())
                        .arg(feature)
                        .arg(best)
                        .arg(node_text(taxonomy, best).toHtmlEscaped())
                        .arg(double(analysis->best_f1[j]), 0, 'f', 3)
                        .arg(lch)
                        .arg(node_text(taxonomy, lch).toHtmlEscaped())
                        .arg(analysis->lch_height[j])
                        .arg(analysis->fire_count[j])
                        .arg(session->images().size()));
    path_->setText(lch >= 0 ? tr("LCH path: <a href=\"%1\">%2</a>")
                                  .arg(lch)
                                  .arg(path_text(taxonomy, lch).toHtmlEscaped())
                            : tr("The feature never fired: no LCH."));

    QVector<GridImage> images;
    const core::Bitset* under_lch = lch >= 0 ? &taxonomy.classes_under(lch) : nullptr;
    for (int64_t r = 0; r < analysis->k; ++r) {
        const int64_t row = analysis->topk_indices[j * size_t(analysis->k) + size_t(r)];
        if (row < 0 || row >= int64_t(session->images().size())) {
            continue;
        }
        const core::ImageRecord& record = session->images()[size_t(row)];
        const int label = session->labels()[size_t(row)];
        GridImage image;
        image.image_index = row;
        image.ref = QString::fromStdString(record.path);
        image.caption =
            label >= 0 ? QString::fromStdString(taxonomy.class_info(label).name) : tr("unlabelled");
        image.activation = double(analysis->topk_values[j * size_t(analysis->k) + size_t(r)]);
        image.in_lch = under_lch == nullptr || (label >= 0 && under_lch->test(label));
        images.push_back(image);
    }
    grid_model_->set_images(std::move(images));
    update_heat_toggle();
    request_heatmaps();

    QVector<double> edges(analysis->hist_edges.begin(), analysis->hist_edges.end());
    QVector<double> counts;
    for (int64_t b = 0; b < analysis->bins; ++b) {
        counts.push_back(double(analysis->hist[j * size_t(analysis->bins) + size_t(b)]));
    }
    histogram_->set_histogram(edges, counts);

    QVector<ClassRate> rates;
    for (int64_t c = 0; c < analysis->classes; ++c) {
        const int64_t size = analysis->class_size[size_t(c)];
        if (size <= 0) {
            continue;
        }
        const int64_t fired = analysis->class_fire[size_t(c) * size_t(analysis->d_sae) + j];
        rates.push_back(ClassRate{QString::fromStdString(taxonomy.class_info(int(c)).name),
                                  double(fired) / double(size),
                                  under_lch != nullptr && under_lch->test(int(c))});
    }
    class_plot_->set_rates(std::move(rates));
}

void FeatureDetailPanel::update_heat_toggle() {
    QString why;
    if (!session_ || layer_name_.isEmpty()) {
        why = tr("Select a feature first");
    } else {
        const core::Workspace& workspace = session_->workspace();
        const std::string name = layer_name_.toStdString();
        const core::WorkspaceLayer* layer = workspace.manifest().find_layer(name);
        std::error_code ec;
        if (layer != nullptr && layer->kind == "pooled") {
            why = tr("Layer %1 is pooled ([B, D]): it has no patch tokens, so there is no patch "
                     "map to overlay")
                      .arg(layer_name_);
        } else if (!std::filesystem::exists(workspace.paths().sae_dir(name), ec)) {
            why = tr("Layer %1 has no SAE in sae/%1/: nothing computes its maps").arg(layer_name_);
        }
    }
    heat_toggle_->setEnabled(why.isEmpty());
    heat_toggle_->setToolTip(
        why.isEmpty() ? tr("Overlay each top image's patch heatmap for this feature (the SAE "
                           "applied to every patch token; each map scaled to its own maximum). "
                           "Computed in the background with the workspace's model, then cached")
                      : why);
    if (!why.isEmpty()) {
        heat_status_->clear();
        heat_status_->setToolTip({});
    }
}

void FeatureDetailPanel::set_show_heatmaps(bool show) {
    if (heat_toggle_->isChecked() != show) {
        heat_toggle_->setChecked(show);  // comes back here through toggled()
        return;
    }
    grid_model_->set_show_overlays(show);
    if (show) {
        request_heatmaps();
    } else {
        heatmaps_->cancel();
        heat_status_->clear();
    }
}

void FeatureDetailPanel::request_heatmaps() {
    if (!heat_toggle_->isChecked() || !heat_toggle_->isEnabled() || feature_ < 0) {
        heatmaps_->cancel();
        return;
    }
    QStringList refs;
    for (const GridImage& image : grid_model_->images()) {
        const QImage cached = heatmaps_->overlay(layer_name_, feature_, image.ref);
        if (cached.isNull()) {
            refs << image.ref;
        } else {
            grid_model_->set_overlay(image.ref, cached);
        }
    }
    heat_status_->setToolTip({});
    heat_status_->setText(refs.isEmpty() ? QString()
                                         : tr("computing heatmaps 0/%1…").arg(refs.size()));
    heatmaps_->request(layer_name_, feature_, refs);
}

void FeatureDetailPanel::heatmap_ready(const QString& layer, int feature, const QString& ref) {
    if (layer == layer_name_ && feature == feature_) {
        grid_model_->set_overlay(ref, heatmaps_->overlay(layer, feature, ref));
    }
}

void FeatureDetailPanel::enlarge(const QModelIndex& index) {
    if (!index.isValid()) {
        return;
    }
    const QString ref = index.data(ImageGridModel::RefRole).toString();
    QString error;
    QImage image = ThumbnailCache::load_full(ref, &error);
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(index.data(Qt::ToolTipRole).toString().section('\n', 0, 0));
    auto* label = new QLabel(dialog);
    if (image.isNull()) {
        label->setText(tr("Could not load %1:\n%2").arg(ref, error));
    } else {
        const int side = std::max(384, std::max(image.width(), image.height()));
        // Small images (28x28) are enlarged with nearest-neighbour: honest pixels.
        label->setPixmap(QPixmap::fromImage(
            image.scaled(side, side, Qt::KeepAspectRatio,
                         image.width() < 128 ? Qt::FastTransformation : Qt::SmoothTransformation)));
    }
    label->setToolTip(index.data(Qt::ToolTipRole).toString());
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(label);
    dialog->show();
}

Figure FeatureDetailPanel::card_figure() {
    QVector<Figure> parts;
    parts << figure_of_widget(*title_) << figure_of_widget(*path_)
          << figure_of_widget(*grid_->viewport());
    parts << figure_of_plot(*histogram_, QSize(std::max(grid_->width(), 480), 220));
    parts << figure_of_plot(*class_plot_, QSize(std::max(grid_->width(), 480), 300));
    return stack_figures(parts);
}

}  // namespace taxoscope::ui
