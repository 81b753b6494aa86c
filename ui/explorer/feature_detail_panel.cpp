#include "ui/explorer/feature_detail_panel.h"

#include <QDialog>
#include <QLabel>
#include <QListView>
#include <QShortcut>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/analysis/analysis_file.h"
#include "ui/data/thumbnail_cache.h"
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

    histogram_ = new ActivationHistogram(this);
    class_plot_ = new ClassDistributionPlot(this);
    histogram_->setMinimumHeight(160);
    class_plot_->setMinimumHeight(200);

    auto* plots = new QSplitter(Qt::Horizontal, this);
    plots->addWidget(histogram_);
    plots->addWidget(class_plot_);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(grid_);
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
    layer_ = layer;
    feature_ = feature;
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
