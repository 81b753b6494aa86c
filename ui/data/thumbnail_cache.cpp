#include "ui/data/thumbnail_cache.h"

#include <QMetaObject>

#include "core/data/fashion_mnist.h"
#include "core/data/image_ref.h"

namespace taxoscope::ui {

namespace {

QImage to_qimage(const core::ImageBuffer& buffer) {
    QImage image(buffer.width, buffer.height, QImage::Format_RGB888);
    for (int y = 0; y < buffer.height; ++y) {
        memcpy(image.scanLine(y), buffer.rgb.data() + size_t(y) * size_t(buffer.width) * 3,
               size_t(buffer.width) * 3);
    }
    return image;
}

}  // namespace

ThumbnailCache::ThumbnailCache(int side, QObject* parent)
    : QObject(parent), side_(side), cache_(4000) {
    // Decoding is I/O and small images: two workers keep the GUI thread free without
    // competing with a running analysis for every core.
    pool_.setMaxThreadCount(2);
}

ThumbnailCache::~ThumbnailCache() {
    pool_.waitForDone();
}

QImage ThumbnailCache::load_full(const QString& ref, QString* error) {
    const core::Result<core::ImageBuffer> buffer = core::load_image_ref(ref.toStdString());
    if (!buffer) {
        if (error != nullptr) {
            *error = QString::fromStdString(buffer.error().message);
        }
        return {};
    }
    return to_qimage(*buffer);
}

QImage ThumbnailCache::load_now(const QString& ref, QString* error) const {
    const QImage full = load_full(ref, error);
    if (full.isNull()) {
        return {};
    }
    // Small images (28x28) are enlarged without smoothing so pixels stay honest.
    const Qt::TransformationMode mode = full.width() < side_ && full.height() < side_
                                            ? Qt::FastTransformation
                                            : Qt::SmoothTransformation;
    return full.scaled(side_, side_, Qt::KeepAspectRatio, mode);
}

QImage ThumbnailCache::request(const QString& ref) {
    if (const QImage* cached = cache_.object(ref)) {
        return *cached;
    }
    if (pending_.contains(ref) || failures_.contains(ref)) {
        return {};
    }
    pending_.insert(ref);
    // The destructor waits for the pool, so `this` outlives every task; a result that arrives
    // after destruction is dropped with its context object.
    const bool hold_data_set = !keep_alive_ && ref.startsWith(QStringLiteral("fashion-mnist:"));
    pool_.start([this, ref, hold_data_set]() {
        // Holding both splits keeps core's shared copy alive, so later thumbnails do not
        // decompress the data set again.
        std::shared_ptr<void> splits;
        if (hold_data_set) {
            auto train = core::load_fashion_mnist_split("train");
            auto test = core::load_fashion_mnist_split("test");
            if (train && test) {
                using Splits = std::vector<std::shared_ptr<const core::FashionMnistSplit>>;
                splits = std::make_shared<Splits>(Splits{*train, *test});
            }
        }
        QString error;
        const QImage image = load_now(ref, &error);
        QMetaObject::invokeMethod(
            this,
            [this, ref, image, error, splits]() {
                if (!keep_alive_) {
                    keep_alive_ = splits;
                }
                finish(ref, image, error);
            },
            Qt::QueuedConnection);
    });
    return {};
}

void ThumbnailCache::finish(const QString& ref, const QImage& image, const QString& error) {
    pending_.remove(ref);
    if (image.isNull()) {
        failures_.insert(ref, error);
        Q_EMIT thumbnail_failed(ref, error);
        return;
    }
    cache_.insert(ref, new QImage(image));
    Q_EMIT thumbnail_ready(ref);
}

void ThumbnailCache::wait_for_loads() {
    pool_.waitForDone();
}

}  // namespace taxoscope::ui
