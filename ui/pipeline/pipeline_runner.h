// Runs the New Workspace pipeline — extract, SAEs, analyze — one stage after another off the
// main thread, each with a TaskProgressDialog (the CLI's progress line: rate and ETA; Cancel).
// A cancelled run leaves a resumable folder; starting again with the same settings continues.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <string>

#include "core/util/cancel.h"
#include "core/util/error.h"
#include "ui/pipeline/pipeline_settings.h"
#include "ui/tasks/task_progress_dialog.h"

class QWidget;

namespace taxoscope::ui {

class PipelineRunner : public QObject {
    Q_OBJECT
  public:
    // Progress dialogs are children of `dialog_parent` (window-modal over it).
    explicit PipelineRunner(QWidget* dialog_parent, QObject* parent = nullptr);
    ~PipelineRunner() override;  // cancels a running stage and waits for it

    // The stages in order, as the progress dialogs title them.
    static QStringList stage_titles();

    void start(const PipelineSettings& settings);
    bool is_running() const { return stage_ >= 0; }
    // Stops the running stage at its next safe point; finished() then reports cancelled.
    void cancel();
    // The progress dialog of the running stage (nullptr between stages).
    TaskProgressDialog* progress_dialog() const { return progress_; }

  Q_SIGNALS:
    // Emitted just before stage `index` starts (cancel() from here stops it at once).
    void stage_started(int index, const QString& title);
    void stage_finished(int index, const QString& account);
    // ok: every stage done. Otherwise `message` is the full error (or what cancelling kept).
    void finished(bool ok, bool cancelled, const QString& message);

  private:
    using StageResult = core::Result<std::string>;
    void start_stage(int index);
    void stage_done();

    QWidget* dialog_parent_ = nullptr;
    PipelineSettings settings_;
    core::CancelToken token_;
    QFutureWatcher<StageResult> watcher_;
    QPointer<TaskProgressDialog> progress_;
    int stage_ = -1;
};

}  // namespace taxoscope::ui
