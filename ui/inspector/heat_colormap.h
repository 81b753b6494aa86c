// The perceptual colormaps of the inspector's heatmaps (the same two the CLI's overlay PNGs
// use: inferno by default, viridis), as QColors for QPainter.
#pragma once

#include <QColor>
#include <QLinearGradient>

namespace taxoscope::ui {

enum class HeatColormap { Inferno, Viridis };

// t in [0, 1] (clamped; NaN gives the darkest colour).
QColor heat_color(HeatColormap map, double t);

// A gradient from t = 0 to t = 1 along (start, stop), for legends.
QLinearGradient heat_gradient(HeatColormap map, QPointF start, QPointF stop);

}  // namespace taxoscope::ui
