// The perceptual colormaps of every view, as QColors for QPainter: the inspector's heatmaps
// (the same two the CLI's overlay PNGs use: inferno by default, viridis) and, through
// score_color, the viridis of F1 and coverage.
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
