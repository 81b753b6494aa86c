// The taxoscope main window: menus, the empty state, and the place the explorer fills.
#pragma once

#include <QMainWindow>
#include <QString>
#include <QStringList>

class QLabel;
class QMenu;
class QStackedWidget;

namespace taxoscope::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Opens the workspace folder; on failure shows why and returns false.
    bool open_workspace(const QString& folder);
    QString workspace_folder() const { return workspace_folder_; }
    // Why the last open_workspace() failed; empty after a success.
    QString last_error() const { return last_error_; }

    // Recent workspaces, newest first (kept in QSettings).
    QStringList recent_workspaces() const;

  Q_SIGNALS:
    void workspace_opened(const QString& folder);

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void build_menus();
    QWidget* build_welcome_page();
    void choose_workspace();
    void remember_recent(const QString& folder);
    void refresh_recent_menu();
    void show_about();

    QStackedWidget* pages_ = nullptr;
    QLabel* workspace_summary_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QString workspace_folder_;
    QString last_error_;
};

}  // namespace taxoscope::ui
