// What `taxoscope WS --export-figure ... --out FILE` and `--screenshot FILE` do once the
// workspace is open: select what the spec names, render, write. Exit codes: 0 written,
// 1 failed (message on stderr), 2 bad spec.
#pragma once

#include <QString>

namespace taxoscope::ui {
class MainWindow;
}

namespace taxoscope::app {

// "heatmap", "profile", "graph:WNID", "feature:LAYER:J" (the feature card), "grid:LAYER:J",
// "histogram:LAYER:J", "classes:LAYER:J".
int export_figure(ui::MainWindow& window, const QString& spec, const QString& out, int dpi);

// Selects a node (wnid or name) and/or a feature ("LAYER:J") before a screenshot; empty = none.
int select_for_screenshot(ui::MainWindow& window, const QString& node, const QString& feature);

}  // namespace taxoscope::app
