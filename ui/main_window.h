// The taxoscope main window: menus, the empty state, and the place the explorer fills.
#pragma once

#include <QFutureWatcher>
#include <QMainWindow>
#include <QString>
#include <QStringList>

#include <memory>

#include "core/util/cancel.h"
#include "core/util/error.h"

class QLabel;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QToolButton;

namespace taxoscope::ui {

class ExplorerWidget;
class InspectorWindow;
class NewWorkspaceDialog;
class WorkspaceSession;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Checks the folder and starts loading it off the main thread (progress in the status
    // bar, Esc cancels); false, with last_error(), when the folder is no workspace at all.
    // An unanalysed workspace shows its summary and what to run next.
    bool open_workspace(const QString& folder);
    // Processes events until the load started by open_workspace() ends; true when the
    // explorer shows the workspace (for tests and headless use).
    bool wait_until_loaded(int timeout_ms = 60000);
    bool is_loading() const { return load_watcher_.isRunning(); }
    ExplorerWidget* explorer() const { return explorer_; }
    // The image inspector (File → Inspect Image, Ctrl+I); nullptr until first shown.
    InspectorWindow* inspector() const { return inspector_; }
    // Creates the inspector for the open workspace if needed, shows and raises it.
    InspectorWindow* show_inspector();
    QString workspace_folder() const { return workspace_folder_; }
    // Why the last open_workspace() failed; empty after a success.
    QString last_error() const { return last_error_; }

    // File → New Workspace (Ctrl+N): the pipeline dialog; the new workspace opens when it is
    // done. Returns the dialog (window-modal, deleted on close).
    NewWorkspaceDialog* show_new_workspace_dialog();

    // Recent workspaces, newest first (kept in QSettings).
    QStringList recent_workspaces() const;

  Q_SIGNALS:
    void workspace_opened(const QString& folder);
    void workspace_loaded(const QString& folder);

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    using SessionResult = core::Result<std::shared_ptr<WorkspaceSession>>;
    void build_menus();
    void session_loaded();
    void cancel_loading();
    void export_figure(const QString& what);
    void export_table();
    QWidget* build_welcome_page();
    void choose_workspace();
    void remember_recent(const QString& folder);
    void refresh_recent_menu();
    void show_about();
    void inspect_image();
    void show_feature_in_explorer(const QString& layer, int feature);
    void new_workspace();

    QStackedWidget* pages_ = nullptr;
    ExplorerWidget* explorer_ = nullptr;
    InspectorWindow* inspector_ = nullptr;
    QAction* inspect_action_ = nullptr;
    QProgressBar* load_progress_ = nullptr;
    QToolButton* load_cancel_ = nullptr;
    QFutureWatcher<SessionResult> load_watcher_;
    core::CancelToken load_token_;
    QList<QAction*> workspace_actions_;
    QLabel* workspace_summary_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QString workspace_folder_;
    QString last_error_;
};

}  // namespace taxoscope::ui
