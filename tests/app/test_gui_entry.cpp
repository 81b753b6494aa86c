// The taxoscope GUI's scripted entry points: --version and a headless --screenshot.
#include <QtTest>

#include <QTemporaryDir>

#include "support/process_run.h"

using taxoscope::test::run_program;

namespace {

// Width and height from a PNG's IHDR chunk; {0, 0} when the bytes are not a PNG.
QSize png_size(const QByteArray& bytes) {
    static const QByteArray signature("\x89PNG\r\n\x1a\n", 8);
    if (!bytes.startsWith(signature) || bytes.size() < 24 || bytes.mid(12, 4) != "IHDR") {
        return {};
    }
    const auto be32 = [&](int at) {
        return (uchar(bytes[at]) << 24) | (uchar(bytes[at + 1]) << 16) |
               (uchar(bytes[at + 2]) << 8) | uchar(bytes[at + 3]);
    };
    return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

}  // namespace

class TestGuiEntry : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
#ifndef TAXOSCOPE_GUI_PATH
        QSKIP("this build has no GUI (TAXOSCOPE_BUILD_GUI=OFF)");
#endif
    }

#ifdef TAXOSCOPE_GUI_PATH
    void screenshot_writes_a_png_and_prints_its_path() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString shot = dir.filePath("main.png");
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("XDG_CONFIG_HOME", dir.filePath("config"));  // leave the user's settings alone
        const auto r = run_program(TAXOSCOPE_GUI_PATH, {"--screenshot", shot}, env);
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QCOMPARE(r.out.trimmed(), QFileInfo(shot).absoluteFilePath());
        QFile file(shot);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QSize size = png_size(file.read(64));
        QVERIFY2(size.width() >= 640 && size.height() >= 400,
                 qPrintable(QStringLiteral("%1x%2").arg(size.width()).arg(size.height())));
    }

    void screenshot_into_an_unwritable_place_fails_clearly() {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        const auto r =
            run_program(TAXOSCOPE_GUI_PATH, {"--screenshot", "/nonexistent/dir/shot.png"}, env);
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains("/nonexistent/dir/shot.png"), qPrintable(r.all()));
    }

    void a_folder_that_is_no_workspace_is_named_in_the_error() {
        QTemporaryDir dir;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("XDG_CONFIG_HOME", dir.filePath("config"));
        const auto r = run_program(TAXOSCOPE_GUI_PATH,
                                   {dir.path(), "--screenshot", dir.filePath("s.png")}, env);
        QCOMPARE(r.exit_code, 0);  // the window still opens, empty
        QVERIFY2(r.err.contains(dir.path()) && r.err.contains("workspace.json"), qPrintable(r.err));
    }
#endif
};

QTEST_APPLESS_MAIN(TestGuiEntry)
#include "test_gui_entry.moc"
