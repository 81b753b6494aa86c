// The images of a grid (a feature's top-k): thumbnail, class name and activation per cell.
// Thumbnails arrive from the ThumbnailCache as they decode; cells repaint as each one lands.
// Overlays (the feature's patch heatmaps, drawn elsewhere) replace the thumbnails while shown.
#pragma once

#include <QAbstractListModel>
#include <QHash>
#include <QImage>
#include <QVector>

#include <cstdint>

namespace taxoscope::ui {

class ThumbnailCache;

struct GridImage {
    int64_t image_index = -1;  // row in images.tsv
    QString ref;               // what core::load_image_ref reads
    QString caption;           // class name
    double activation = 0.0;
    bool in_lch = true;  // the image's class lies under the feature's LCH
};

class ImageGridModel : public QAbstractListModel {
    Q_OBJECT
  public:
    enum Role { ImageIndexRole = Qt::UserRole + 1, RefRole, ActivationRole, HasOverlayRole };

    explicit ImageGridModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);

    void set_images(QVector<GridImage> images);
    const QVector<GridImage>& images() const { return images_; }

    // The overlay of the image `ref` (null removes it); drawn instead of its thumbnail while
    // overlays are shown. set_images() keeps the overlays of refs that stay; clear them when
    // they belong to another feature.
    void set_overlay(const QString& ref, const QImage& overlay);
    void clear_overlays();
    void set_show_overlays(bool show);
    bool shows_overlays() const { return show_overlays_; }
    int overlay_count() const { return int(overlays_.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  private:
    void thumbnail_arrived(const QString& ref);

    ThumbnailCache* thumbnails_;
    QVector<GridImage> images_;
    QHash<QString, int> row_of_ref_;
    QHash<QString, QImage> overlays_;
    bool show_overlays_ = false;
};

}  // namespace taxoscope::ui
