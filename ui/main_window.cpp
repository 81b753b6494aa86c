#include "ui/main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

#include "ui/dialogs/about_dialog.h"
#include "ui/workspace_check.h"

namespace taxoscope::ui {
namespace {

constexpr int kMaxRecent = 8;
const char* const kRecentKey = "workspaces/recent";
const char* const kGeometryKey = "mainWindow/geometry";
const char* const kStateKey = "mainWindow/state";

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("taxoscope"));
    setAcceptDrops(true);

    pages_ = new QStackedWidget(this);
    pages_->addWidget(build_welcome_page());
    workspace_summary_ = new QLabel(this);
    workspace_summary_->setObjectName(QStringLiteral("workspaceSummary"));
    workspace_summary_->setAlignment(Qt::AlignCenter);
    workspace_summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    pages_->addWidget(workspace_summary_);
    setCentralWidget(pages_);

    build_menus();
    statusBar()->showMessage(tr("No workspace open"));

    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        resize(1280, 800);
    }
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::build_menus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Workspace..."), this, &MainWindow::choose_workspace);
    open->setObjectName(QStringLiteral("actionOpenWorkspace"));
    open->setShortcut(QKeySequence::Open);
    open->setStatusTip(tr("Open a taxoscope workspace folder (it holds workspace.json)"));
    recent_menu_ = file->addMenu(tr("Open &Recent"));
    recent_menu_->setObjectName(QStringLiteral("menuRecent"));
    refresh_recent_menu();
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* about = help->addAction(tr("&About taxoscope"), this, &MainWindow::show_about);
    about->setObjectName(QStringLiteral("actionAbout"));
}

QWidget* MainWindow::build_welcome_page() {
    auto* page = new QWidget(this);
    page->setObjectName(QStringLiteral("welcomePage"));
    auto* title = new QLabel(tr("<h2>No workspace open</h2>"), page);
    title->setAlignment(Qt::AlignCenter);
    auto* help = new QLabel(
        tr("<p>A workspace is a folder made by <code>taxoscope-cli</code>: activations, one "
           "sparse autoencoder per layer and their taxonomy alignment.</p>"
           "<p><b>Open one</b> with File &rarr; Open Workspace (Ctrl+O), by dropping its folder "
           "here, or by naming it on the command line: <code>taxoscope FOLDER</code>.</p>"
           "<p><b>Create one</b> from your model and images:<br>"
           "<code>taxoscope-cli extract --model MODEL.pt --images DIR --out FOLDER</code><br>"
           "or build the offline demo with <code>./bootstrap.sh demo</code>.</p>"),
        page);
    help->setObjectName(QStringLiteral("welcomeHelp"));
    help->setWordWrap(true);
    help->setAlignment(Qt::AlignCenter);
    // A word-wrapped rich-text label needs a definite width, or layouts clip its last lines.
    help->setFixedWidth(600);
    help->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Minimum);
    auto* button = new QPushButton(tr("Open Workspace..."), page);
    button->setToolTip(tr("Choose a workspace folder (Ctrl+O)"));
    connect(button, &QPushButton::clicked, this, &MainWindow::choose_workspace);

    auto* layout = new QVBoxLayout(page);
    layout->addStretch(2);
    layout->addWidget(title);
    layout->addWidget(help, 0, Qt::AlignHCenter);
    layout->addSpacing(12);
    layout->addWidget(button, 0, Qt::AlignHCenter);
    layout->addStretch(3);
    return page;
}

bool MainWindow::open_workspace(const QString& folder) {
    const WorkspaceCheck check = check_workspace_folder(folder);
    last_error_ = check.message;
    if (!check.ok) {
        statusBar()->showMessage(check.message);
        if (isVisible()) {
            QMessageBox::warning(this, tr("Cannot open workspace"), check.message);
        }
        return false;
    }
    workspace_folder_ = QFileInfo(folder).absoluteFilePath();
    workspace_summary_->setText(check.summary_html);
    pages_->setCurrentWidget(workspace_summary_);
    setWindowTitle(QStringLiteral("%1 - taxoscope").arg(QDir(workspace_folder_).dirName()));
    statusBar()->showMessage(tr("Opened %1").arg(workspace_folder_));
    remember_recent(workspace_folder_);
    Q_EMIT workspace_opened(workspace_folder_);
    return true;
}

void MainWindow::choose_workspace() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Open Workspace"), workspace_folder_);
    if (!folder.isEmpty()) {
        open_workspace(folder);
    }
}

QStringList MainWindow::recent_workspaces() const {
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::remember_recent(const QString& folder) {
    QStringList recent = recent_workspaces();
    recent.removeAll(folder);
    recent.prepend(folder);
    while (recent.size() > kMaxRecent) {
        recent.removeLast();
    }
    QSettings().setValue(kRecentKey, recent);
    refresh_recent_menu();
}

void MainWindow::refresh_recent_menu() {
    recent_menu_->clear();
    const QStringList recent = recent_workspaces();
    for (const QString& folder : recent) {
        recent_menu_->addAction(folder, this, [this, folder] { open_workspace(folder); });
    }
    recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::show_about() {
    auto* dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile() &&
        QFileInfo(urls.front().toLocalFile()).isDir()) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty()) {
        open_workspace(urls.front().toLocalFile());
    }
}

}  // namespace taxoscope::ui
