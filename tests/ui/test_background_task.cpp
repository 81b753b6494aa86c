// Core operations run off the main thread: progress arrives, results come back, cancel stops.
#include <QtTest>

#include <QFutureWatcher>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <thread>

#include "core/util/error.h"
#include "ui/tasks/background_task.h"
#include "ui/tasks/task_progress_dialog.h"

using namespace taxoscope;

namespace {

// A stand-in for a long core stage: `steps` units of ~2 ms, checking the token each time.
core::Result<int> count_to(int steps, core::ProgressSink& progress,
                           const core::CancelToken& cancel) {
    progress.begin("counting", steps, "steps");
    for (int i = 0; i < steps; ++i) {
        if (cancel.is_cancelled()) {
            return core::fail(cancel.cancelled_error("counting"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        progress.advance();
    }
    progress.finish();
    return steps;
}

// Long enough (~10 s) that every test cancels it long before it ends.
QFuture<core::Result<int>> start_long_count(const core::CancelToken& token) {
    return ui::run_in_background<core::Result<int>>(
        [](core::ProgressSink& p, const core::CancelToken& c) { return count_to(5000, p, c); },
        token);
}

}  // namespace

class TestBackgroundTask : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void result_and_progress_reach_the_main_thread() {
        const auto main_thread = QThread::currentThread();
        QThread* worker_thread = nullptr;
        auto future = ui::run_in_background<core::Result<int>>(
            [&](core::ProgressSink& progress, const core::CancelToken& cancel) {
                worker_thread = QThread::currentThread();
                return count_to(200, progress, cancel);
            });
        QFutureWatcher<core::Result<int>> watcher;
        QList<int> values;
        QStringList texts;
        connect(&watcher, &QFutureWatcherBase::progressValueChanged, this,
                [&](int v) { values << v; });
        connect(&watcher, &QFutureWatcherBase::progressTextChanged, this,
                [&](const QString& t) { texts << t; });
        QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
        watcher.setFuture(future);
        QVERIFY(finished.wait(10000));

        QVERIFY(worker_thread != nullptr && worker_thread != main_thread);
        const core::Result<int> result = future.result();
        QVERIFY(result.has_value());
        QCOMPARE(*result, 200);
        QVERIFY(!values.isEmpty());
        QCOMPARE(values.last(), ui::kTaskProgressMaximum);
        QVERIFY2(texts.last().contains("200/200 steps"), qPrintable(texts.join('\n')));
    }

    void cancel_token_stops_the_operation_with_a_cancelled_error() {
        core::CancelToken token;
        auto future = start_long_count(token);
        QTest::qWait(50);
        token.cancel();
        future.waitForFinished();
        QVERIFY(!future.result().has_value());
        QCOMPARE(future.result().error().code, core::ErrorCode::Cancelled);
    }

    void cancelling_the_future_reaches_the_core_operation() {
        core::CancelToken token;
        auto future = start_long_count(token);
        QTest::qWait(50);
        future.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(token.is_cancelled(), 5000);
        future.waitForFinished();
        QCOMPARE(future.resultCount(), 0);  // Qt drops results of a cancelled future
    }

    void dialog_shows_progress_and_cancel_button_stops_the_task() {
        core::CancelToken token;
        auto future = start_long_count(token);
        ui::TaskProgressDialog dialog("Counting", QFuture<void>(future), token);
        dialog.show();
        auto* bar = dialog.findChild<QProgressBar*>();
        QVERIFY(bar);
        QTRY_VERIFY_WITH_TIMEOUT(bar->value() > 0, 5000);
        auto* text = dialog.findChild<QLabel*>("taskText");
        QVERIFY(text);
        QVERIFY2(text->text().contains("steps"), qPrintable(text->text()));

        auto* cancel = dialog.findChild<QPushButton*>();
        QVERIFY(cancel);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(dialog.cancel_requested());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isVisible(), 5000);  // closes once the task stopped
        QVERIFY(future.isFinished());
        QCOMPARE(future.result().error().code, core::ErrorCode::Cancelled);
    }

    void escape_cancels_instead_of_abandoning_the_task() {
        core::CancelToken token;
        auto future = start_long_count(token);
        ui::TaskProgressDialog dialog("Counting", QFuture<void>(future), token);
        dialog.show();
        QTest::keyClick(&dialog, Qt::Key_Escape);
        QVERIFY(token.is_cancelled());
        future.waitForFinished();
    }
};

QTEST_MAIN(TestBackgroundTask)
#include "test_background_task.moc"
