#include "ui/models/image_grid_model.h"

#include <QColor>
#include <QPixmap>

#include "ui/data/thumbnail_cache.h"

namespace taxoscope::ui {

ImageGridModel::ImageGridModel(ThumbnailCache* thumbnails, QObject* parent)
    : QAbstractListModel(parent), thumbnails_(thumbnails) {
    connect(thumbnails_, &ThumbnailCache::thumbnail_ready, this,
            &ImageGridModel::thumbnail_arrived);
    connect(thumbnails_, &ThumbnailCache::thumbnail_failed, this,
            [this](const QString& ref, const QString&) { thumbnail_arrived(ref); });
}

void ImageGridModel::set_images(QVector<GridImage> images) {
    beginResetModel();
    images_ = std::move(images);
    row_of_ref_.clear();
    for (int row = 0; row < images_.size(); ++row) {
        row_of_ref_.insert(images_[row].ref, row);
    }
    endResetModel();
}

void ImageGridModel::set_overlay(const QString& ref, const QImage& overlay) {
    if (overlay.isNull()) {
        overlays_.remove(ref);
    } else {
        overlays_.insert(ref, overlay);
    }
    if (show_overlays_) {
        thumbnail_arrived(ref);
    }
}

void ImageGridModel::clear_overlays() {
    overlays_.clear();
    if (show_overlays_ && !images_.isEmpty()) {
        Q_EMIT dataChanged(index(0), index(int(images_.size()) - 1),
                           {Qt::DecorationRole, HasOverlayRole});
    }
}

void ImageGridModel::set_show_overlays(bool show) {
    if (show == show_overlays_) {
        return;
    }
    show_overlays_ = show;
    if (!images_.isEmpty()) {
        Q_EMIT dataChanged(index(0), index(int(images_.size()) - 1),
                           {Qt::DecorationRole, HasOverlayRole});
    }
}

int ImageGridModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(images_.size());
}

QVariant ImageGridModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= images_.size()) {
        return {};
    }
    const GridImage& image = images_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
            return QStringLiteral("%1\n%2").arg(image.caption).arg(image.activation, 0, 'g', 3);
        case Qt::DecorationRole: {
            if (show_overlays_) {
                const auto overlay = overlays_.constFind(image.ref);
                if (overlay != overlays_.constEnd()) {
                    return QPixmap::fromImage(overlay.value());
                }
            }
            const QImage thumbnail = thumbnails_->request(image.ref);
            if (!thumbnail.isNull()) {
                return QPixmap::fromImage(thumbnail);
            }
            QPixmap placeholder(thumbnails_->side(), thumbnails_->side());
            placeholder.fill(QColor(220, 220, 220));
            return placeholder;
        }
        case Qt::ToolTipRole:
            return tr("image %1: %2\nactivation %3%4\n%5")
                .arg(image.image_index)
                .arg(image.caption)
                .arg(image.activation, 0, 'g', 4)
                .arg(image.in_lch ? QString() : tr("\n(class outside the feature's LCH)"))
                .arg(image.ref);
        case Qt::ForegroundRole:
            return image.in_lch ? QVariant() : QVariant(QColor(180, 40, 40));
        case ImageIndexRole:
            return qlonglong(image.image_index);
        case RefRole:
            return image.ref;
        case ActivationRole:
            return image.activation;
        case HasOverlayRole:
            return show_overlays_ && overlays_.contains(image.ref);
        default:
            return {};
    }
}

void ImageGridModel::thumbnail_arrived(const QString& ref) {
    const auto found = row_of_ref_.constFind(ref);
    if (found != row_of_ref_.constEnd()) {
        const QModelIndex cell = index(found.value());
        Q_EMIT dataChanged(cell, cell, {Qt::DecorationRole, HasOverlayRole});
    }
}

}  // namespace taxoscope::ui
