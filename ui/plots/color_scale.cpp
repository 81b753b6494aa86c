#include "ui/plots/color_scale.h"

#include <cmath>

#include "ui/plots/heat_colormap.h"

namespace taxoscope::ui {

QColor score_color(double score) {
    if (std::isnan(score)) {
        return QColor(200, 200, 200);
    }
    return heat_color(HeatColormap::Viridis, score);
}

QColor text_color_on(const QColor& background) {
    const double luma =
        0.299 * background.redF() + 0.587 * background.greenF() + 0.114 * background.blueF();
    return luma > 0.55 ? QColor(Qt::black) : QColor(Qt::white);
}

}  // namespace taxoscope::ui
