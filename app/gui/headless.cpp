#include "app/gui/headless.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QFileInfo>
#include <QImage>
#include <QTextStream>

#include "core/taxonomy/taxonomy.h"
#include "ui/data/thumbnail_cache.h"
#include "ui/explorer/explorer_widget.h"
#include "ui/explorer/feature_detail_panel.h"
#include "ui/explorer/grid_heatmaps.h"
#include "ui/explorer/workspace_session.h"
#include "ui/inspector/inspector_window.h"
#include "ui/main_window.h"

namespace taxoscope::app {

namespace {

QTextStream& err() {
    static QTextStream stream(stderr);
    return stream;
}

void settle() {
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents();
    }
}

// "LAYER:J" -> (layer index, feature); the last ':' splits, as layer names may hold one.
bool parse_feature(const ui::WorkspaceSession& session, const QString& text, int* layer,
                   int* feature) {
    const int colon = int(text.lastIndexOf(':'));
    if (colon <= 0) {
        err() << "taxoscope: '" << text << "' is not LAYER:FEATURE" << Qt::endl;
        return false;
    }
    *layer = int(session.layer_names().indexOf(text.left(colon)));
    bool ok = false;
    *feature = text.mid(colon + 1).toInt(&ok);
    if (*layer < 0) {
        err() << "taxoscope: no analysed layer '" << text.left(colon)
              << "'; analysed: " << session.layer_names().join(", ") << Qt::endl;
        return false;
    }
    if (!ok || *feature < 0) {
        err() << "taxoscope: '" << text.mid(colon + 1) << "' is not a feature index" << Qt::endl;
        return false;
    }
    return true;
}

bool select_feature(ui::ExplorerWidget& explorer, const QString& text) {
    int layer = -1;
    int feature = -1;
    if (!parse_feature(*explorer.session(), text, &layer, &feature)) {
        return false;
    }
    explorer.select_layer(layer);
    if (!explorer.wait_for_layer()) {
        err() << "taxoscope: could not load layer " << explorer.session()->layer_names()[layer]
              << Qt::endl;
        return false;
    }
    explorer.select_feature(feature);
    if (explorer.current_feature() != feature) {
        err() << "taxoscope: layer " << explorer.session()->layer_names()[layer]
              << " has no feature " << feature << Qt::endl;
        return false;
    }
    return true;
}

bool select_node(ui::ExplorerWidget& explorer, const QString& text) {
    const core::Taxonomy& taxonomy = *explorer.session()->taxonomy();
    std::optional<int> node = taxonomy.find(text.toStdString());
    if (!node) {
        const std::vector<int> found = taxonomy.search(text.toStdString(), 1);
        if (!found.empty()) {
            node = found.front();
        }
    }
    if (!node) {
        err() << "taxoscope: no taxonomy node matches '" << text << "'" << Qt::endl;
        return false;
    }
    explorer.select_node(*node);
    explorer.wait_for_layer();
    return true;
}

// Turns on "Show heatmaps" for the selected feature and waits for the maps: 2 when the layer
// has none (pooled, no SAE), 1 when computing them failed, else 0.
int show_grid_heatmaps(ui::ExplorerWidget& explorer) {
    ui::FeatureDetailPanel& detail = *explorer.detail();
    if (!detail.heatmap_toggle()->isEnabled()) {
        err() << "taxoscope: --grid-heatmaps: " << detail.heatmap_toggle()->toolTip() << Qt::endl;
        return 2;
    }
    detail.set_show_heatmaps(true);
    if (!detail.grid_heatmaps()->wait_until_idle() ||
        !detail.grid_heatmaps()->last_error().isEmpty()) {
        err() << "taxoscope: --grid-heatmaps: " << detail.grid_heatmaps()->last_error() << Qt::endl;
        return 1;
    }
    QCoreApplication::processEvents();
    return 0;
}

bool ready(ui::MainWindow& window) {
    if (!window.wait_until_loaded()) {
        err() << "taxoscope: " << window.last_error() << Qt::endl;
        return false;
    }
    return true;
}

}  // namespace

int export_figure(ui::MainWindow& window, const QString& spec, const QString& out, int dpi,
                  bool grid_heatmaps) {
    if (out.isEmpty()) {
        err() << "taxoscope: --export-figure needs --out FILE.{svg,pdf,png}" << Qt::endl;
        return 2;
    }
    if (!ready(window)) {
        return 1;
    }
    ui::ExplorerWidget& explorer = *window.explorer();
    const QString kind = spec.section(':', 0, 0);
    const QString rest = spec.section(':', 1);
    QString what = kind;
    if (kind == "graph") {
        if (rest.isEmpty() || !select_node(explorer, rest)) {
            err() << "taxoscope: graph needs a node: graph:WNID" << Qt::endl;
            return 2;
        }
    } else if (kind == "feature" || kind == "card" || kind == "grid" || kind == "histogram" ||
               kind == "classes") {
        if (!select_feature(explorer, rest)) {
            return 2;
        }
        what = kind == "feature" ? QStringLiteral("card") : kind;
        if (grid_heatmaps && what != "histogram" && what != "classes") {
            if (const int shown = show_grid_heatmaps(explorer); shown != 0) {
                return shown;
            }
        }
        if (what == "grid") {
            // Thumbnails decode in the background: give them a moment to land.
            for (int i = 0; i < 50; ++i) {
                QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            }
        }
    } else if (kind != "heatmap" && kind != "profile") {
        err() << "taxoscope: unknown figure '" << spec
              << "'; use heatmap, profile, graph:WNID or feature:LAYER:J" << Qt::endl;
        return 2;
    } else {
        explorer.wait_for_layer();
    }
    settle();
    const core::Result<ui::Figure> figure = explorer.figure(what);
    if (!figure) {
        err() << "taxoscope: " << QString::fromStdString(figure.error().message) << Qt::endl;
        return 1;
    }
    const core::Result<void> written =
        ui::write_figure(*figure, out, dpi, explorer.provenance(what));
    if (!written) {
        err() << "taxoscope: " << QString::fromStdString(written.error().message) << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << out << Qt::endl;
    return 0;
}

int select_for_screenshot(ui::MainWindow& window, const QString& node, const QString& feature,
                          bool grid_heatmaps) {
    if (node.isEmpty() && feature.isEmpty()) {
        window.wait_until_loaded();
        return 0;
    }
    if (!ready(window)) {
        return 1;
    }
    ui::ExplorerWidget& explorer = *window.explorer();
    if (!node.isEmpty() && !select_node(explorer, node)) {
        return 2;
    }
    if (!feature.isEmpty() && !select_feature(explorer, feature)) {
        return 2;
    }
    if (grid_heatmaps) {
        if (feature.isEmpty()) {
            err() << "taxoscope: --grid-heatmaps needs --select-feature LAYER:J" << Qt::endl;
            return 2;
        }
        if (const int shown = show_grid_heatmaps(explorer); shown != 0) {
            return shown;
        }
    }
    // The grid asks for its thumbnails when it paints; the screenshot waits for them.
    for (int i = 0; i < 10; ++i) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    explorer.thumbnails()->wait_for_loads();
    for (int i = 0; i < 50; ++i) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return 0;
}

int inspect_screenshot(ui::MainWindow& window, const QString& image, const QString& layer,
                       const QString& out) {
    // The session loads alongside (the explorer's "go to feature" needs it); the inspector
    // itself only needs the workspace's model and SAEs.
    window.wait_until_loaded();
    if (window.workspace_folder().isEmpty()) {
        err() << "taxoscope: --inspect needs a workspace folder" << Qt::endl;
        return 2;
    }
    ui::InspectorWindow& inspector = *window.show_inspector();
    inspector.resize(1280, 760);
    if (!inspector.inspect_file(image) || !inspector.wait_until_done()) {
        err() << "taxoscope: " << inspector.last_error() << Qt::endl;
        return 1;
    }
    if (!layer.isEmpty() && !inspector.select_layer(layer)) {
        QStringList names;
        for (int i = 0; i < inspector.layer_selector()->count(); ++i) {
            names << inspector.layer_selector()->itemData(i).toString();
        }
        err() << "taxoscope: no inspected layer '" << layer << "'; layers: " << names.join(", ")
              << Qt::endl;
        return 2;
    }
    inspector.select_feature_row(0);
    settle();
    const QImage shot = inspector.grab().toImage();
    if (shot.isNull() || !shot.save(out, "PNG")) {
        err() << "taxoscope: cannot write screenshot to " << out << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << QFileInfo(out).absoluteFilePath() << Qt::endl;
    return 0;
}

}  // namespace taxoscope::app
