#include "ui/pipeline/pipeline_runner.h"

#include <QWidget>

#include "ui/pipeline/pipeline_stages.h"
#include "ui/tasks/background_task.h"
#include "ui/tasks/task_progress_dialog.h"

namespace taxoscope::ui {
namespace {

using StageFunction = core::Result<std::string> (*)(const PipelineSettings&, core::ProgressSink&,
                                                    const core::CancelToken&);

constexpr StageFunction kStages[] = {run_extract_stage, run_sae_stage, run_analysis_stage};
constexpr int kStageCount = static_cast<int>(sizeof kStages / sizeof kStages[0]);

}  // namespace

PipelineRunner::PipelineRunner(QWidget* dialog_parent, QObject* parent)
    : QObject(parent), dialog_parent_(dialog_parent) {
    connect(&watcher_, &QFutureWatcher<StageResult>::finished, this, &PipelineRunner::stage_done);
}

PipelineRunner::~PipelineRunner() {
    token_.cancel();
    watcher_.waitForFinished();
}

QStringList PipelineRunner::stage_titles() {
    return {tr("Extracting activations"), tr("Sparse autoencoders"), tr("Analysing features")};
}

void PipelineRunner::start(const PipelineSettings& settings) {
    if (is_running()) {
        return;
    }
    settings_ = settings;
    token_ = core::CancelToken();
    start_stage(0);
}

void PipelineRunner::cancel() {
    token_.cancel();
}

void PipelineRunner::start_stage(int index) {
    stage_ = index;
    const QString title = stage_titles().at(index);
    Q_EMIT stage_started(index, title);
    const StageFunction function = kStages[index];
    const PipelineSettings settings = settings_;
    const QFuture<StageResult> future = run_in_background<StageResult>(
        [function, settings](core::ProgressSink& progress, const core::CancelToken& cancel) {
            return function(settings, progress, cancel);
        },
        token_);
    progress_ =
        new TaskProgressDialog(tr("Step %1 of %2: %3").arg(index + 1).arg(kStageCount).arg(title),
                               QFuture<void>(future), token_, dialog_parent_);
    progress_->open();
    watcher_.setFuture(future);
}

void PipelineRunner::stage_done() {
    const int index = stage_;
    if (progress_ != nullptr) {
        // Not close(): before its own watcher has seen the end, that would mean "cancel".
        progress_->hide();
        progress_->deleteLater();
    }
    const QFuture<StageResult> future = watcher_.future();
    if (future.resultCount() == 0) {
        stage_ = -1;
        Q_EMIT finished(false, true, tr("The task stopped without a result."));
        return;
    }
    const StageResult result = future.result();
    if (!result) {
        stage_ = -1;
        const bool cancelled = result.error().code == core::ErrorCode::Cancelled;
        const QString message =
            cancelled
                ? tr("%1 was cancelled: %2. Finished work is kept in %3; start again with the "
                     "same settings to resume.")
                      .arg(stage_titles().at(index), QString::fromStdString(result.error().message),
                           QString::fromStdString(settings_.out.string()))
                : tr("%1 failed: %2")
                      .arg(stage_titles().at(index),
                           QString::fromStdString(result.error().describe()));
        Q_EMIT finished(false, cancelled, message);
        return;
    }
    Q_EMIT stage_finished(index, QString::fromStdString(*result));
    if (index + 1 < kStageCount && !token_.is_cancelled()) {
        start_stage(index + 1);
        return;
    }
    stage_ = -1;
    if (index + 1 < kStageCount) {
        Q_EMIT finished(false, true,
                        tr("Cancelled after %1; start again with the same settings to resume.")
                            .arg(stage_titles().at(index)));
        return;
    }
    Q_EMIT finished(true, false, QString::fromStdString(settings_.out.string()));
}

}  // namespace taxoscope::ui
