// The images of a grid (a feature's top-k): thumbnail, class name and activation per cell.
// Thumbnails arrive from the ThumbnailCache as they decode; cells repaint as each one lands.
#pragma once

#include <QAbstractListModel>
#include <QHash>
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
    enum Role { ImageIndexRole = Qt::UserRole + 1, RefRole, ActivationRole };

    explicit ImageGridModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);

    void set_images(QVector<GridImage> images);
    const QVector<GridImage>& images() const { return images_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  private:
    void thumbnail_arrived(const QString& ref);

    ThumbnailCache* thumbnails_;
    QVector<GridImage> images_;
    QHash<QString, int> row_of_ref_;
};

}  // namespace taxoscope::ui
