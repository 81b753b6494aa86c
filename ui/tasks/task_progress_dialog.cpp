#include "ui/tasks/task_progress_dialog.h"

#include <QFontDatabase>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/tasks/background_task.h"

namespace taxoscope::ui {

TaskProgressDialog::TaskProgressDialog(const QString& title, QFuture<void> future,
                                       core::CancelToken token, QWidget* parent)
    : QDialog(parent), token_(std::move(token)) {
    setWindowTitle(title);
    setObjectName(QStringLiteral("taskProgressDialog"));
    setModal(true);

    text_ = new QLabel(tr("Starting..."), this);
    text_->setObjectName(QStringLiteral("taskText"));
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // Room for the whole progress line (format_progress_line(report, 110)): rate and ETA
    // come last.
    text_->setMinimumWidth(text_->fontMetrics().horizontalAdvance(QString(112, QLatin1Char('0'))));
    bar_ = new QProgressBar(this);
    bar_->setRange(0, 0);  // busy until the task reports a total
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setToolTip(tr("Stop at the next safe point; finished files are kept (Esc)"));
    connect(cancel_, &QPushButton::clicked, this, &TaskProgressDialog::request_cancel);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text_);
    layout->addWidget(bar_);
    layout->addWidget(cancel_, 0, Qt::AlignRight);

    connect(&watcher_, &QFutureWatcher<void>::progressValueChanged, this,
            [this](int value) { on_progress(value, watcher_.progressText()); });
    connect(&watcher_, &QFutureWatcher<void>::progressTextChanged, this,
            [this](const QString& text) { on_progress(watcher_.progressValue(), text); });
    connect(&watcher_, &QFutureWatcher<void>::finished, this, &QDialog::accept);
    watcher_.setFuture(future);
}

void TaskProgressDialog::on_progress(int value, const QString& text) {
    if (value > 0) {
        bar_->setRange(0, kTaskProgressMaximum);
        bar_->setValue(value);
    }
    if (!text.isEmpty()) {
        text_->setText(text);
    }
}

void TaskProgressDialog::request_cancel() {
    // Only the token: the task then finishes with its Cancelled error as a result. Cancelling
    // the QFuture itself would make Qt drop that result.
    token_.cancel();
    cancel_->setEnabled(false);
    text_->setText(tr("Cancelling: waiting for the task to reach a safe point..."));
}

void TaskProgressDialog::reject() {
    if (watcher_.isFinished()) {
        QDialog::reject();
        return;
    }
    request_cancel();  // the dialog closes when the task has actually stopped
}

}  // namespace taxoscope::ui
