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

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProgressBar>
#include <QSaveFile>
#include <QToolButton>

#include "ui/dialogs/about_dialog.h"
#include "ui/explorer/explorer_widget.h"
#include "ui/explorer/workspace_session.h"
#include "ui/export/figure_writer.h"
#include "ui/inspector/inspector_window.h"
#include "ui/pipeline/new_workspace_dialog.h"
#include "ui/tasks/background_task.h"
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
    explorer_ = new ExplorerWidget(this);
    explorer_->setObjectName(QStringLiteral("explorer"));
    pages_->addWidget(explorer_);
    setCentralWidget(pages_);
    connect(explorer_, &ExplorerWidget::status_message, this,
            [this](const QString& message) { statusBar()->showMessage(message, 8000); });

    load_progress_ = new QProgressBar(this);
    load_progress_->setRange(0, kTaskProgressMaximum);
    load_progress_->setMaximumWidth(260);
    load_progress_->setVisible(false);
    load_cancel_ = new QToolButton(this);
    load_cancel_->setText(tr("Cancel"));
    load_cancel_->setToolTip(tr("Stop loading the workspace (Esc)"));
    load_cancel_->setShortcut(Qt::Key_Escape);
    load_cancel_->setVisible(false);
    connect(load_cancel_, &QToolButton::clicked, this, &MainWindow::cancel_loading);
    statusBar()->addPermanentWidget(load_progress_);
    statusBar()->addPermanentWidget(load_cancel_);
    connect(&load_watcher_, &QFutureWatcher<SessionResult>::progressValueChanged, load_progress_,
            &QProgressBar::setValue);
    connect(&load_watcher_, &QFutureWatcher<SessionResult>::finished, this,
            &MainWindow::session_loaded);

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
    QAction* create = file->addAction(tr("&New Workspace..."), this, &MainWindow::new_workspace);
    create->setObjectName(QStringLiteral("actionNewWorkspace"));
    create->setShortcut(QKeySequence::New);
    create->setStatusTip(
        tr("Build a workspace from a model and images: extract, train or import SAEs, analyze"));
    QAction* open = file->addAction(tr("&Open Workspace..."), this, &MainWindow::choose_workspace);
    open->setObjectName(QStringLiteral("actionOpenWorkspace"));
    open->setShortcut(QKeySequence::Open);
    open->setStatusTip(tr("Open a taxoscope workspace folder (it holds workspace.json)"));
    recent_menu_ = file->addMenu(tr("Open &Recent"));
    recent_menu_->setObjectName(QStringLiteral("menuRecent"));
    refresh_recent_menu();
    file->addSeparator();
    inspect_action_ = file->addAction(tr("&Inspect Image..."), this, &MainWindow::inspect_image);
    inspect_action_->setObjectName(QStringLiteral("actionInspectImage"));
    inspect_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    inspect_action_->setStatusTip(
        tr("Run one image through the model and SAEs: the features that fire in every layer and "
           "their heatmaps"));
    inspect_action_->setEnabled(false);
    file->addSeparator();
    QMenu* export_menu = file->addMenu(tr("&Export Figure"));
    export_menu->setObjectName(QStringLiteral("menuExport"));
    const QList<QPair<QString, QString>> figures = {
        {"heatmap", tr("Alignment &Heatmap...")}, {"profile", tr("Layer &Profile...")},
        {"graph", tr("Taxonomy &Graph...")},      {"card", tr("Feature &Card...")},
        {"grid", tr("Top &Images...")},           {"histogram", tr("Activation Hi&stogram...")},
        {"classes", tr("&Class Distribution...")}};
    for (const auto& [what, label] : figures) {
        QAction* action =
            export_menu->addAction(label, this, [this, what = what] { export_figure(what); });
        action->setObjectName(QStringLiteral("actionExport_") + what);
        workspace_actions_ << action;
    }
    QAction* table =
        file->addAction(tr("Export Feature &Table (CSV)..."), this, &MainWindow::export_table);
    table->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    workspace_actions_ << table;
    for (QAction* action : workspace_actions_) {
        action->setEnabled(false);
    }
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
    auto* create = new QPushButton(tr("New Workspace..."), page);
    create->setObjectName(QStringLiteral("welcomeNewWorkspace"));
    create->setToolTip(tr("Build a workspace from a model and images (Ctrl+N)"));
    connect(create, &QPushButton::clicked, this, &MainWindow::new_workspace);

    auto* layout = new QVBoxLayout(page);
    layout->addStretch(2);
    layout->addWidget(title);
    layout->addWidget(help, 0, Qt::AlignHCenter);
    layout->addSpacing(12);
    layout->addWidget(button, 0, Qt::AlignHCenter);
    layout->addWidget(create, 0, Qt::AlignHCenter);
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
    cancel_loading();
    load_watcher_.waitForFinished();
    workspace_folder_ = QFileInfo(folder).absoluteFilePath();
    workspace_summary_->setText(check.summary_html + tr("<p><i>Loading…</i></p>"));
    pages_->setCurrentWidget(workspace_summary_);
    explorer_->set_session(nullptr);
    for (QAction* action : workspace_actions_) {
        action->setEnabled(false);
    }
    setWindowTitle(QStringLiteral("%1 - taxoscope").arg(QDir(workspace_folder_).dirName()));
    statusBar()->showMessage(tr("Loading %1…").arg(workspace_folder_));
    remember_recent(workspace_folder_);
    inspect_action_->setEnabled(true);
    if (inspector_ != nullptr) {
        inspector_->set_workspace(workspace_folder_);
    }
    Q_EMIT workspace_opened(workspace_folder_);

    load_token_ = core::CancelToken();
    const std::filesystem::path root = workspace_folder_.toStdString();
    load_progress_->setValue(0);
    load_progress_->setVisible(true);
    load_cancel_->setVisible(true);
    load_watcher_.setFuture(run_in_background<SessionResult>(
        [root](core::ProgressSink& progress, const core::CancelToken& cancel) {
            return WorkspaceSession::open(root, progress, cancel);
        },
        load_token_));
    return true;
}

void MainWindow::cancel_loading() {
    if (load_watcher_.isRunning()) {
        load_token_.cancel();
    }
}

void MainWindow::session_loaded() {
    load_progress_->setVisible(false);
    load_cancel_->setVisible(false);
    const QFuture<SessionResult> future = load_watcher_.future();
    if (future.resultCount() == 0) {
        return;
    }
    const SessionResult result = future.result();
    if (!result) {
        const QString message = QString::fromStdString(result.error().message);
        last_error_ = message;
        const WorkspaceCheck check = check_workspace_folder(workspace_folder_);
        workspace_summary_->setText(
            check.summary_html +
            tr("<p><b>Not ready for exploring:</b> %1</p>").arg(message.toHtmlEscaped()));
        statusBar()->showMessage(message);
        return;
    }
    last_error_.clear();
    explorer_->set_session(*result);
    pages_->setCurrentWidget(explorer_);
    for (QAction* action : workspace_actions_) {
        action->setEnabled(true);
    }
    statusBar()->showMessage(tr("Opened %1: %2 images, %3 analysed layers")
                                 .arg(workspace_folder_)
                                 .arg((*result)->images().size())
                                 .arg((*result)->layer_count()));
    Q_EMIT workspace_loaded(workspace_folder_);
}

bool MainWindow::wait_until_loaded(int timeout_ms) {
    QElapsedTimer timer;
    timer.start();
    while (load_watcher_.isRunning() && timer.elapsed() < timeout_ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    // The finished signal is queued: let session_loaded() run.
    QCoreApplication::processEvents();
    return explorer_->session() != nullptr;
}

void MainWindow::export_figure(const QString& what) {
    const core::Result<Figure> figure = explorer_->figure(what);
    if (!figure) {
        QMessageBox::warning(this, tr("Cannot export"),
                             QString::fromStdString(figure.error().message));
        return;
    }
    QString selected;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Figure"), QDir(workspace_folder_).filePath(what + ".svg"),
        tr("SVG (*.svg);;PDF (*.pdf);;PNG (*.png)"), &selected);
    if (path.isEmpty()) {
        return;
    }
    Provenance provenance = explorer_->provenance(what);
    const core::Result<void> written = write_figure(*figure, path, 300, provenance);
    if (!written) {
        QMessageBox::warning(this, tr("Cannot export"),
                             QString::fromStdString(written.error().message));
        return;
    }
    statusBar()->showMessage(tr("Saved %1").arg(path), 8000);
}

void MainWindow::export_table() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Feature Table"), QDir(workspace_folder_).filePath("features.csv"),
        tr("CSV (*.csv)"));
    if (path.isEmpty()) {
        return;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(explorer_->feature_table_csv().toUtf8()) < 0 || !file.commit()) {
        QMessageBox::warning(this, tr("Cannot export"), tr("%1: %2").arg(path, file.errorString()));
        return;
    }
    statusBar()->showMessage(tr("Saved %1").arg(path), 8000);
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

InspectorWindow* MainWindow::show_inspector() {
    if (inspector_ == nullptr) {
        inspector_ = new InspectorWindow(this);
        connect(inspector_, &InspectorWindow::feature_requested, this,
                &MainWindow::show_feature_in_explorer);
    }
    inspector_->set_workspace(workspace_folder_);
    inspector_->show();
    inspector_->raise();
    inspector_->activateWindow();
    return inspector_;
}

void MainWindow::inspect_image() {
    if (workspace_folder_.isEmpty()) {
        return;
    }
    show_inspector()->choose_image();
}

void MainWindow::show_feature_in_explorer(const QString& layer, int feature) {
    if (!explorer_->session()) {
        statusBar()->showMessage(
            tr("The explorer has no analysed workspace to show %1 feature %2 in")
                .arg(layer)
                .arg(feature),
            8000);
        return;
    }
    if (!explorer_->go_to_feature(layer, feature)) {
        statusBar()->showMessage(
            tr("Layer %1 is not analysed: run taxoscope-cli analyze to explore its features")
                .arg(layer),
            8000);
        return;
    }
    raise();
    activateWindow();
    statusBar()->showMessage(tr("Showing %1 feature %2").arg(layer).arg(feature), 8000);
}

NewWorkspaceDialog* MainWindow::show_new_workspace_dialog() {
    auto* dialog = new NewWorkspaceDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewWorkspaceDialog::workspace_created, this,
            [this](const QString& folder) { open_workspace(folder); });
    dialog->open();
    return dialog;
}

void MainWindow::new_workspace() {
    show_new_workspace_dialog();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    // A load still running stops at its next check; wait so it never reports to a dead window.
    cancel_loading();
    load_watcher_.waitForFinished();
    if (inspector_ != nullptr) {
        inspector_->close();
    }
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    // A folder opens as a workspace; with one open, an image file goes to the inspector.
    if (urls.size() == 1 && urls.front().isLocalFile() &&
        (QFileInfo(urls.front().toLocalFile()).isDir() || !workspace_folder_.isEmpty())) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty()) {
        return;
    }
    const QString path = urls.front().toLocalFile();
    if (QFileInfo(path).isDir()) {
        open_workspace(path);
    } else if (!workspace_folder_.isEmpty()) {
        show_inspector()->inspect_file(path);
    }
}

}  // namespace taxoscope::ui
