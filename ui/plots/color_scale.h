// The one colour scale every view uses for scores in [0, 1] (F1, coverage), so a colour means
// the same thing in the tree strip, the graph and the heatmap.
#pragma once

#include <QColor>

namespace taxoscope::ui {

// Viridis-like ramp from dark violet (0) to yellow (1); NaN (not analysed) is a neutral grey.
QColor score_color(double score);

// Black or white, whichever reads better on `background`.
QColor text_color_on(const QColor& background);

}  // namespace taxoscope::ui
