// Runs a synchronous core operation off the main thread and exposes it as a QFuture.
//
// Core operations take (ProgressSink&, const CancelToken&). Here the sink feeds the future's
// progress (value in per mille, text = the CLI's progress line), and cancelling either the
// CancelToken or the QFuture stops the operation at its next check. Prefer the token: Qt drops
// results added to a cancelled QFuture, so after QFuture::cancel() there is no result to read.
#pragma once

#include <QFuture>
#include <QPromise>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>
#include <utility>

#include "core/util/cancel.h"
#include "core/util/progress.h"
#include "core/util/progress_format.h"

namespace taxoscope::ui {

// Progress range of every background task's future.
inline constexpr int kTaskProgressMaximum = 1000;

template <typename R>
class PromiseProgress final : public core::ProgressSink {
  public:
    PromiseProgress(QPromise<R>& promise, core::CancelToken token)
        : core::ProgressSink(std::chrono::milliseconds(50)),
          promise_(promise),
          token_(std::move(token)) {
        promise_.setProgressRange(0, kTaskProgressMaximum);
    }

  protected:
    void on_report(const core::ProgressReport& report) override {
        if (promise_.isCanceled()) {
            token_.cancel();  // QFuture::cancel() reaches the core operation this way
        }
        const int value =
            report.total > 0 ? static_cast<int>(report.fraction() * kTaskProgressMaximum) : 0;
        promise_.setProgressValueAndText(
            value, QString::fromStdString(core::format_progress_line(report, 110)));
    }

  private:
    QPromise<R>& promise_;
    core::CancelToken token_;
};

template <typename R>
using BackgroundWork = std::function<R(core::ProgressSink&, const core::CancelToken&)>;

// `work` runs on Qt's global thread pool; its return value becomes the future's result.
template <typename R>
QFuture<R> run_in_background(BackgroundWork<R> work, core::CancelToken token = {}) {
    return QtConcurrent::run([work = std::move(work), token](QPromise<R>& promise) {
        PromiseProgress<R> sink(promise, token);
        promise.addResult(work(sink, token));
    });
}

}  // namespace taxoscope::ui
