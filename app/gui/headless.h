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
// `grid_heatmaps` (--grid-heatmaps): the top-image grid shows its patch heatmaps (feature:,
// card:, grid: figures).
int export_figure(ui::MainWindow& window, const QString& spec, const QString& out, int dpi,
                  bool grid_heatmaps = false);

// Selects a node (wnid or name) and/or a feature ("LAYER:J") before a screenshot; empty = none.
// With `grid_heatmaps` the feature's top images show their patch heatmaps (computed first).
int select_for_screenshot(ui::MainWindow& window, const QString& node, const QString& feature,
                          bool grid_heatmaps = false);

// `--inspect IMAGE [--layer L] --screenshot FILE`: opens the inspector on the image, waits for
// the inspection, selects the layer (default: the deepest with maps) and its first top feature,
// and saves the inspector window as a PNG (path printed). 1 when the inspection fails, 2 for an
// unknown layer.
int inspect_screenshot(ui::MainWindow& window, const QString& image, const QString& layer,
                       const QString& out);

}  // namespace taxoscope::app
