// The patch heatmaps of the explorer's top-image grid: for one layer's feature, each grid
// image's patch projection (docs/inspect.md) drawn over its thumbnail. Computed on demand in
// the background, one image after another, by the workspace's shared InspectionEngine (the
// model and SAEs load once, and the inspector window uses the same ones), and cached per
// (layer, feature, image) as finished thumbnails.
#pragma once

#include <QCache>
#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

#include "core/util/cancel.h"
#include "core/util/error.h"

namespace taxoscope::ui {

class InspectionEngine;

class GridHeatmaps : public QObject {
    Q_OBJECT
  public:
    // `side`: the thumbnails' longer side (ThumbnailCache::side()), so overlays match them.
    explicit GridHeatmaps(int side, QObject* parent = nullptr);
    ~GridHeatmaps() override;

    // The workspace whose model and SAEs compute the maps; drops the queue (not the cache of
    // the same workspace).
    void set_workspace(const QString& folder);
    QString workspace() const { return workspace_; }

    // Computes the overlays of `refs` that are not cached, in order; replaces any earlier
    // request (its running image finishes and is cached, the rest is dropped).
    void request(const QString& layer, int feature, const QStringList& refs);
    // Drops the queue and stops the running image at its next check.
    void cancel();

    // The overlay thumbnail, or a null image when it is not computed (yet).
    QImage overlay(const QString& layer, int feature, const QString& ref) const;
    // The peak of the image's patch map (0 when it is zero everywhere); -1 when not computed.
    float peak(const QString& layer, int feature, const QString& ref) const;
    bool is_busy() const;
    int remaining() const { return int(queue_.size()) + (is_busy() ? 1 : 0); }
    // Processes events until the queue is empty; false on timeout.
    bool wait_until_idle(int timeout_ms = 120000);
    QString last_error() const { return last_error_; }

  Q_SIGNALS:
    void overlay_ready(const QString& layer, int feature, const QString& ref);
    // The request could not be computed (no model file, a layer without a grid, ...); the
    // rest of the queue is dropped: every image would fail the same way.
    void failed(const QString& message);
    void progress(int done, int total);

  private:
    struct Rendered {
        QImage image;
        float peak = 0.0f;
    };
    using TaskResult = core::Result<std::shared_ptr<const Rendered>>;
    static QString key(const QString& layer, int feature, const QString& ref);
    void start_next();
    void finished();

    int side_;
    QString workspace_;
    std::shared_ptr<InspectionEngine> engine_;
    QCache<QString, Rendered> cache_;
    QString layer_;
    int feature_ = -1;
    QStringList queue_;
    int total_ = 0;
    QString running_ref_;
    QString running_layer_;
    int running_feature_ = -1;
    QFutureWatcher<TaskResult> watcher_;
    core::CancelToken token_;
    QString last_error_;
};

}  // namespace taxoscope::ui
