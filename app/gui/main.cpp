// taxoscope: the desktop explorer.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QTextStream>
#include <QTimer>

#include "core/util/threads.h"
#include "core/util/version.h"
#include "ui/main_window.h"

namespace {

int save_screenshot(taxoscope::ui::MainWindow& window, const QString& path) {
    // Let layouts settle and any queued work paint before grabbing.
    for (int i = 0; i < 5; ++i) {
        QApplication::processEvents();
    }
    const QImage image = window.grab().toImage();
    QTextStream err(stderr);
    if (image.isNull() || !image.save(path, "PNG")) {
        err << "taxoscope: cannot write screenshot to " << path << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << QFileInfo(path).absoluteFilePath() << Qt::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("taxoscope"));
    QApplication::setOrganizationName(QStringLiteral("taxoscope"));
    QApplication::setApplicationVersion(QString::fromLatin1(taxoscope::core::kTaxoscopeVersion));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Explore how a vision model's SAE features align with the WordNet taxonomy."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("workspace"),
                                 QStringLiteral("Workspace folder to open."),
                                 QStringLiteral("[WS]"));
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Render the main window, save it as a PNG to FILE, print its path, exit."),
        QStringLiteral("FILE"));
    parser.addOption(screenshot);
    parser.process(app);
    // Inference and analysis run in background tasks; let them use every core.
    taxoscope::core::apply_thread_count(0);

    taxoscope::ui::MainWindow window;
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && !window.open_workspace(positional.front())) {
        QTextStream(stderr) << "taxoscope: " << window.last_error() << Qt::endl;
    }
    if (parser.isSet(screenshot)) {
        window.show();
        return save_screenshot(window, parser.value(screenshot));
    }
    window.show();
    return QApplication::exec();
}
