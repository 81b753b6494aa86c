// A progress dialog for one background task: stage, bar, rate and ETA, and Cancel (Esc).
#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <QString>

#include "core/util/cancel.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace taxoscope::ui {

class TaskProgressDialog : public QDialog {
    Q_OBJECT
  public:
    // Watches `future` (any result type); Cancel calls token.cancel(), so the task still delivers
    // its (Cancelled) result.
    TaskProgressDialog(const QString& title, QFuture<void> future, core::CancelToken token,
                       QWidget* parent = nullptr);

    bool cancel_requested() const { return token_.is_cancelled(); }

  public Q_SLOTS:
    void request_cancel();

  protected:
    void reject() override;  // Esc and the close button cancel too

  private:
    void on_progress(int value, const QString& text);

    QFutureWatcher<void> watcher_;
    core::CancelToken token_;
    QLabel* text_ = nullptr;
    QProgressBar* bar_ = nullptr;
    QPushButton* cancel_ = nullptr;
};

}  // namespace taxoscope::ui
