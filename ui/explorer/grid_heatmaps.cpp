#include "ui/explorer/grid_heatmaps.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>

#include <algorithm>
#include <cstring>

#include "core/inspect/heatmap_overlay.h"
#include "ui/inspector/inspection_engine.h"
#include "ui/tasks/background_task.h"

namespace taxoscope::ui {

namespace {

constexpr int kCachedOverlays = 2000;

QImage to_qimage(const core::ImageBuffer& buffer) {
    QImage image(buffer.width, buffer.height, QImage::Format_RGB888);
    for (int y = 0; y < buffer.height; ++y) {
        std::memcpy(image.scanLine(y), buffer.rgb.data() + size_t(y) * size_t(buffer.width) * 3,
                    size_t(buffer.width) * 3);
    }
    return image;
}

core::ImageBuffer to_buffer(const QImage& source) {
    const QImage image = source.convertToFormat(QImage::Format_RGB888);
    core::ImageBuffer buffer;
    buffer.width = image.width();
    buffer.height = image.height();
    buffer.rgb.resize(size_t(buffer.width) * size_t(buffer.height) * 3);
    for (int y = 0; y < buffer.height; ++y) {
        std::memcpy(buffer.rgb.data() + size_t(y) * size_t(buffer.width) * 3,
                    image.constScanLine(y), size_t(buffer.width) * 3);
    }
    return buffer;
}

}  // namespace

GridHeatmaps::GridHeatmaps(int side, QObject* parent)
    : QObject(parent), side_(side), cache_(kCachedOverlays) {
    connect(&watcher_, &QFutureWatcher<TaskResult>::finished, this, &GridHeatmaps::finished);
}

GridHeatmaps::~GridHeatmaps() {
    queue_.clear();
    token_.cancel();
    watcher_.waitForFinished();
}

QString GridHeatmaps::key(const QString& layer, int feature, const QString& ref) {
    return layer + QLatin1Char('\x1f') + QString::number(feature) + QLatin1Char('\x1f') + ref;
}

void GridHeatmaps::set_workspace(const QString& folder) {
    const QString absolute = folder.isEmpty() ? QString() : QFileInfo(folder).absoluteFilePath();
    if (absolute == workspace_) {
        return;
    }
    cancel();
    cache_.clear();
    workspace_ = absolute;
    engine_.reset();  // taken from InspectionEngine::shared on the first request
}

void GridHeatmaps::request(const QString& layer, int feature, const QStringList& refs) {
    layer_ = layer;
    feature_ = feature;
    queue_.clear();
    for (const QString& ref : refs) {
        if (!cache_.contains(key(layer, feature, ref)) && !queue_.contains(ref)) {
            queue_ << ref;
        }
    }
    total_ = int(queue_.size());
    last_error_.clear();
    if (!workspace_.isEmpty() && !engine_) {
        engine_ = InspectionEngine::shared(workspace_.toStdString());
    }
    if (!is_busy()) {
        start_next();
    }
}

void GridHeatmaps::cancel() {
    queue_.clear();
    token_.cancel();
}

QImage GridHeatmaps::overlay(const QString& layer, int feature, const QString& ref) const {
    const Rendered* rendered = cache_.object(key(layer, feature, ref));
    return rendered != nullptr ? rendered->image : QImage();
}

float GridHeatmaps::peak(const QString& layer, int feature, const QString& ref) const {
    const Rendered* rendered = cache_.object(key(layer, feature, ref));
    return rendered != nullptr ? rendered->peak : -1.0f;
}

bool GridHeatmaps::is_busy() const {
    return watcher_.isRunning() || !running_ref_.isEmpty();
}

bool GridHeatmaps::wait_until_idle(int timeout_ms) {
    QElapsedTimer timer;
    timer.start();
    while ((is_busy() || !queue_.isEmpty()) && timer.elapsed() < timeout_ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    QCoreApplication::processEvents();
    return !is_busy() && queue_.isEmpty();
}

void GridHeatmaps::start_next() {
    if (queue_.isEmpty() || !engine_) {
        return;
    }
    running_ref_ = queue_.takeFirst();
    running_layer_ = layer_;
    running_feature_ = feature_;
    token_ = core::CancelToken();
    auto engine = engine_;
    const std::string ref = running_ref_.toStdString();
    const std::string layer = layer_.toStdString();
    const int64_t feature = feature_;
    const int side = side_;
    watcher_.setFuture(run_in_background<TaskResult>(
        [engine, ref, layer, feature, side](core::ProgressSink& progress,
                                            const core::CancelToken& cancel) -> TaskResult {
            auto prepared = engine->prepare_ref(ref, progress);
            if (!prepared) {
                return core::fail(prepared.error());
            }
            auto inspected = engine->layer_maps(*prepared, layer, {feature},
                                                /*relevance=*/false, progress, cancel);
            if (!inspected) {
                return core::fail(inspected.error());
            }
            if (inspected->maps.empty() || inspected->grid.cells() <= 0) {
                return core::fail(core::ErrorCode::InvalidArgument,
                                  "layer '" + layer + "' has no patch map: " + inspected->note);
            }
            const core::FeatureMaps& maps = inspected->maps.front();
            // The thumbnail exactly as ThumbnailCache makes it, the map drawn over the part
            // of it the model saw (the crop's rectangle; the rest dimmed).
            const QImage full = to_qimage(prepared->original);
            const Qt::TransformationMode mode = full.width() < side && full.height() < side
                                                    ? Qt::FastTransformation
                                                    : Qt::SmoothTransformation;
            const QImage thumbnail = full.scaled(side, side, Qt::KeepAspectRatio, mode);
            const double sx = double(thumbnail.width()) / std::max(1, full.width());
            const double sy = double(thumbnail.height()) / std::max(1, full.height());
            const core::InputRegion& r = prepared->region;
            const core::InputRegion region{r.x * sx, r.y * sy, r.width * sx, r.height * sy};
            auto drawn =
                core::render_heatmap_overlay(to_buffer(thumbnail), maps.patch, inspected->grid.rows,
                                             inspected->grid.cols, region, core::OverlayOptions{});
            if (!drawn) {
                return core::fail(drawn.error());
            }
            auto rendered = std::make_shared<Rendered>();
            rendered->image = to_qimage(*drawn);
            rendered->peak =
                maps.patch.empty() ? 0.0f : *std::max_element(maps.patch.begin(), maps.patch.end());
            return std::shared_ptr<const Rendered>(std::move(rendered));
        },
        token_));
}

void GridHeatmaps::finished() {
    const QString ref = std::exchange(running_ref_, QString());
    const QFuture<TaskResult> future = watcher_.future();
    if (future.resultCount() > 0) {
        const TaskResult result = future.result();
        if (result) {
            cache_.insert(key(running_layer_, running_feature_, ref), new Rendered(**result));
            Q_EMIT overlay_ready(running_layer_, running_feature_, ref);
        } else if (result.error().code != core::ErrorCode::Cancelled) {
            last_error_ = QString::fromStdString(result.error().message);
            const bool current = running_layer_ == layer_ && running_feature_ == feature_;
            if (current) {
                queue_.clear();
                Q_EMIT failed(last_error_);
            }
        }
    }
    if (running_layer_ == layer_ && running_feature_ == feature_) {
        Q_EMIT progress(total_ - int(queue_.size()), total_);
    }
    start_next();
}

}  // namespace taxoscope::ui
