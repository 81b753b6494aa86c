// The main window's frame: menus, About, the empty state, opening workspaces, screenshots.
#include <QtTest>

#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTemporaryDir>

#include "support/isolated_settings.h"
#include "ui/dialogs/about_dialog.h"
#include "ui/main_window.h"

using taxoscope::ui::AboutDialog;
using taxoscope::ui::MainWindow;

namespace {

QString write_workspace_json(const QTemporaryDir& dir, const QByteArray& json) {
    QFile file(dir.filePath("workspace.json"));
    file.open(QIODevice::WriteOnly);
    file.write(json);
    return dir.path();
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(settings_dir_.isValid());
        taxoscope::test::use_isolated_settings(settings_dir_.path(), "test_main_window");
    }

    void starts_on_the_empty_state_with_instructions() {
        MainWindow window;
        auto* pages = window.findChild<QStackedWidget*>();
        QVERIFY(pages);
        QCOMPARE(pages->currentWidget()->objectName(), QString("welcomePage"));
        auto* help = window.findChild<QLabel*>("welcomeHelp");
        QVERIFY(help);
        QVERIFY(help->text().contains("Open Workspace"));
        QVERIFY(help->text().contains("taxoscope-cli"));
    }

    void open_action_has_the_standard_shortcut() {
        MainWindow window;
        auto* open = window.findChild<QAction*>("actionOpenWorkspace");
        QVERIFY(open);
        QCOMPARE(open->shortcut(), QKeySequence(QKeySequence::Open));
    }

    void about_lists_versions_of_every_component() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* about = window.findChild<QAction*>("actionAbout");
        QVERIFY(about);
        about->trigger();
        auto* dialog = window.findChild<AboutDialog*>();
        QVERIFY(dialog);
        auto* table = dialog->findChild<QTableWidget*>("versionTable");
        QVERIFY(table);
        QMap<QString, QString> versions;
        for (int row = 0; row < table->rowCount(); ++row) {
            versions[table->item(row, 0)->text()] = table->item(row, 1)->text();
        }
        for (const char* component :
             {"taxoscope", "Qt", "LibTorch", "OpenCV", "QCustomPlot", "Graphviz", "CUDA"}) {
            QVERIFY2(versions.contains(component), component);
            QVERIFY2(!versions[component].isEmpty(), component);
        }
        QCOMPARE(versions["Qt"], QString(qVersion()));
        QVERIFY2(QRegularExpression(R"(^\d+\.\d+)").match(versions["LibTorch"]).hasMatch(),
                 qPrintable(versions["LibTorch"]));
        QVERIFY2(QRegularExpression(R"(^\d+\.\d+)").match(versions["Graphviz"]).hasMatch(),
                 qPrintable(versions["Graphviz"]));
        dialog->close();
    }

    void refuses_a_folder_without_workspace_json_and_says_why() {
        QTemporaryDir dir;
        MainWindow window;
        QSignalSpy opened(&window, &MainWindow::workspace_opened);
        QVERIFY(!window.open_workspace(dir.path()));
        QVERIFY(window.last_error().contains(dir.path()));
        QVERIFY(window.last_error().contains("workspace.json"));
        QCOMPARE(opened.count(), 0);
        QVERIFY(!window.open_workspace(dir.filePath("missing")));
        QVERIFY(window.last_error().contains("is not a folder"));
    }

    void refuses_a_corrupt_workspace_json() {
        QTemporaryDir dir;
        MainWindow window;
        write_workspace_json(dir, "{\"layers\": [\"block0\", ");
        QVERIFY(!window.open_workspace(dir.path()));
        QVERIFY2(window.last_error().contains("not valid JSON"), qPrintable(window.last_error()));
    }

    void opens_a_workspace_and_remembers_it() {
        QTemporaryDir dir;
        write_workspace_json(dir,
                             R"({"version": 1, "model": {"path": "vit.pt"},
                                 "layers": ["block0", "block1"]})");
        MainWindow window;
        QSignalSpy opened(&window, &MainWindow::workspace_opened);
        QVERIFY2(window.open_workspace(dir.path()), qPrintable(window.last_error()));
        QCOMPARE(opened.count(), 1);
        QVERIFY(window.windowTitle().contains(QDir(dir.path()).dirName()));
        auto* summary = window.findChild<QLabel*>("workspaceSummary");
        QVERIFY(summary->text().contains("block0, block1"));
        QVERIFY(summary->text().contains("vit.pt"));
        QCOMPARE(window.recent_workspaces().value(0), QFileInfo(dir.path()).absoluteFilePath());
    }

    void grab_renders_the_window() {
        MainWindow window;
        window.resize(900, 600);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QImage image = window.grab().toImage();
        QCOMPARE(image.size(), QSize(900, 600));
        // Text was painted: the picture is not one flat colour.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7) {
            for (int x = 0; x < image.width(); x += 7) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY(colours.size() > 3);
    }

  private:
    QTemporaryDir settings_dir_;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
