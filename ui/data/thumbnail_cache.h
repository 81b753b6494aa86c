// Thumbnails of dataset images (a file path or "fashion-mnist:<split>:<n>"), decoded by core off
// the main thread and kept in a bounded cache, so the image grid paints at once on revisits.
#pragma once

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QThreadPool>

#include <memory>

namespace taxoscope::ui {

class ThumbnailCache : public QObject {
    Q_OBJECT
  public:
    explicit ThumbnailCache(int side = 112, QObject* parent = nullptr);
    ~ThumbnailCache() override;

    int side() const { return side_; }
    // The cached thumbnail, or a null image after starting to load it (thumbnail_ready or
    // thumbnail_failed follows, on the main thread).
    QImage request(const QString& ref);
    // Decodes now on the calling thread (export, tests); null on failure with *error set.
    QImage load_now(const QString& ref, QString* error = nullptr) const;
    // The full-size image (the enlarged view); null on failure with *error set.
    static QImage load_full(const QString& ref, QString* error = nullptr);
    // Blocks until every started load has finished (tests, shutdown).
    void wait_for_loads();

  Q_SIGNALS:
    void thumbnail_ready(const QString& ref);
    void thumbnail_failed(const QString& ref, const QString& error);

  private:
    void finish(const QString& ref, const QImage& image, const QString& error);

    int side_;
    QCache<QString, QImage> cache_;
    QSet<QString> pending_;
    QHash<QString, QString> failures_;
    QThreadPool pool_;
    // Keeps decoded data sets (Fashion-MNIST splits) alive while the cache lives.
    std::shared_ptr<void> keep_alive_;
};

}  // namespace taxoscope::ui
