// taxoscope: the desktop explorer.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QTextStream>
#include <QTimer>

#include <cstdlib>
#include <cstring>

#include "app/gui/headless.h"
#include "core/util/memory_reuse.h"
#include "core/util/thread_waits.h"
#include "core/util/threads.h"
#include "core/util/version.h"
#include "ui/inspector/inspector_window.h"
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
    taxoscope::core::restart_with_short_thread_waits(argv);
    taxoscope::core::keep_freed_memory_for_reuse();
    // Figure export never shows a window: render offscreen unless a platform was chosen.
    // So does a screenshot where no display is available.
    const bool no_display =
        std::getenv("DISPLAY") == nullptr && std::getenv("WAYLAND_DISPLAY") == nullptr;
    for (int i = 1; i < argc; ++i) {
        if ((std::strncmp(argv[i], "--export-figure", 15) == 0 ||
             (no_display && std::strncmp(argv[i], "--screenshot", 12) == 0)) &&
            std::getenv("QT_QPA_PLATFORM") == nullptr) {
            setenv("QT_QPA_PLATFORM", "offscreen", 1);
        }
    }
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
    QCommandLineOption export_figure(
        QStringLiteral("export-figure"),
        QStringLiteral("Export a figure and exit: heatmap, profile, graph:WNID or "
                       "feature:LAYER:J (also grid:, histogram:, classes:LAYER:J)."),
        QStringLiteral("SPEC"));
    QCommandLineOption out(QStringLiteral("out"),
                           QStringLiteral("File for --export-figure (.svg, .pdf or .png)."),
                           QStringLiteral("FILE"));
    QCommandLineOption dpi(QStringLiteral("dpi"),
                           QStringLiteral("Resolution of PNG/PDF exports (default 300)."),
                           QStringLiteral("N"), QStringLiteral("300"));
    QCommandLineOption select_node(QStringLiteral("select-node"),
                                   QStringLiteral("Select a taxonomy node (wnid or name) first."),
                                   QStringLiteral("NODE"));
    QCommandLineOption select_feature(QStringLiteral("select-feature"),
                                      QStringLiteral("Select a feature (LAYER:J) first."),
                                      QStringLiteral("LAYER:J"));
    QCommandLineOption inspect(
        QStringLiteral("inspect"),
        QStringLiteral("Open the image inspector on IMAGE (with --screenshot: save the inspector "
                       "with the first top feature mapped, and exit)."),
        QStringLiteral("IMAGE"));
    QCommandLineOption inspect_layer(QStringLiteral("layer"),
                                     QStringLiteral("The layer --inspect shows first."),
                                     QStringLiteral("L"));
    QCommandLineOption grid_heatmaps(
        QStringLiteral("grid-heatmaps"),
        QStringLiteral("With --select-feature (or a feature:/grid: figure): overlay the top "
                       "images' patch heatmaps, computed first."));
    parser.addOptions({export_figure, out, dpi, select_node, select_feature, inspect, inspect_layer,
                       grid_heatmaps});
    parser.process(app);
    // Inference and analysis run in background tasks; let them use every core.
    taxoscope::core::apply_thread_count(0);

    taxoscope::ui::MainWindow window;
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && !window.open_workspace(positional.front())) {
        QTextStream(stderr) << "taxoscope: " << window.last_error() << Qt::endl;
    }
    if (parser.isSet(export_figure)) {
        if (positional.isEmpty()) {
            QTextStream(stderr) << "taxoscope: --export-figure needs a workspace folder"
                                << Qt::endl;
            return 2;
        }
        bool dpi_ok = false;
        const int dpi_value = parser.value(dpi).toInt(&dpi_ok);
        if (!dpi_ok) {
            QTextStream(stderr) << "taxoscope: --dpi wants a number" << Qt::endl;
            return 2;
        }
        window.resize(1600, 1000);
        window.show();  // offscreen: lays out every widget at a real size, shows nothing
        return taxoscope::app::export_figure(window, parser.value(export_figure), parser.value(out),
                                             dpi_value, parser.isSet(grid_heatmaps));
    }
    if (parser.isSet(inspect)) {
        if (positional.isEmpty()) {
            QTextStream(stderr) << "taxoscope: --inspect needs a workspace folder" << Qt::endl;
            return 2;
        }
        if (parser.isSet(screenshot)) {
            return taxoscope::app::inspect_screenshot(window, parser.value(inspect),
                                                      parser.value(inspect_layer),
                                                      parser.value(screenshot));
        }
        window.show();
        taxoscope::ui::InspectorWindow* inspector = window.show_inspector();
        inspector->inspect_file(parser.value(inspect));
        if (parser.isSet(inspect_layer)) {
            const QString layer = parser.value(inspect_layer);
            QObject::connect(
                inspector, &taxoscope::ui::InspectorWindow::inspection_finished, inspector,
                [inspector, layer](bool ok) {
                    if (ok) {
                        inspector->select_layer(layer);
                    }
                },
                Qt::SingleShotConnection);
        }
        return QApplication::exec();
    }
    if (parser.isSet(screenshot)) {
        window.show();
        if (!positional.isEmpty()) {
            const int selected = taxoscope::app::select_for_screenshot(
                window, parser.value(select_node), parser.value(select_feature),
                parser.isSet(grid_heatmaps));
            if (selected != 0) {
                return selected;
            }
        }
        return save_screenshot(window, parser.value(screenshot));
    }
    window.show();
    return QApplication::exec();
}
