#include "ui/plots/color_scale.h"

#include <array>
#include <cmath>

namespace taxoscope::ui {

namespace {

struct Stop {
    double at;
    int r, g, b;
};

// Samples of the viridis map at ninths; linear in between is indistinguishable at strip size.
constexpr std::array<Stop, 9> kStops{{{0.000, 68, 1, 84},
                                      {0.125, 71, 44, 122},
                                      {0.250, 59, 81, 139},
                                      {0.375, 44, 113, 142},
                                      {0.500, 33, 144, 141},
                                      {0.625, 39, 173, 129},
                                      {0.750, 92, 200, 99},
                                      {0.875, 170, 220, 50},
                                      {1.000, 253, 231, 37}}};

}  // namespace

QColor score_color(double score) {
    if (std::isnan(score)) {
        return QColor(200, 200, 200);
    }
    const double t = score < 0.0 ? 0.0 : (score > 1.0 ? 1.0 : score);
    for (size_t i = 1; i < kStops.size(); ++i) {
        if (t <= kStops[i].at) {
            const Stop& lo = kStops[i - 1];
            const Stop& hi = kStops[i];
            const double f = (t - lo.at) / (hi.at - lo.at);
            auto mix = [f](int a, int b) { return int(std::lround(a + (b - a) * f)); };
            return QColor(mix(lo.r, hi.r), mix(lo.g, hi.g), mix(lo.b, hi.b));
        }
    }
    return QColor(kStops.back().r, kStops.back().g, kStops.back().b);
}

QColor text_color_on(const QColor& background) {
    const double luma =
        0.299 * background.redF() + 0.587 * background.greenF() + 0.114 * background.blueF();
    return luma > 0.55 ? QColor(Qt::black) : QColor(Qt::white);
}

}  // namespace taxoscope::ui
