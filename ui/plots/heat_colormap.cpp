#include "ui/plots/heat_colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace taxoscope::ui {

namespace {

using Stops = std::array<std::array<int, 3>, 9>;

// matplotlib's inferno and viridis sampled at t = 0, 1/8, ..., 1 (linear in between).
constexpr Stops kInferno = {{{0, 0, 4},
                             {31, 12, 72},
                             {85, 15, 109},
                             {136, 34, 106},
                             {186, 54, 85},
                             {227, 89, 51},
                             {249, 140, 10},
                             {249, 201, 50},
                             {252, 255, 164}}};
constexpr Stops kViridis = {{{68, 1, 84},
                             {71, 44, 122},
                             {59, 81, 139},
                             {44, 113, 142},
                             {33, 144, 141},
                             {39, 173, 129},
                             {92, 200, 99},
                             {170, 220, 50},
                             {253, 231, 37}}};

}  // namespace

QColor heat_color(HeatColormap map, double t) {
    const Stops& stops = map == HeatColormap::Viridis ? kViridis : kInferno;
    if (!(t > 0.0)) {
        t = 0.0;
    }
    const double at = std::min(t, 1.0) * double(stops.size() - 1);
    const size_t lo = std::min(size_t(at), stops.size() - 2);
    const double f = at - double(lo);
    int rgb[3];
    for (int c = 0; c < 3; ++c) {
        rgb[c] = int(std::lround(stops[lo][size_t(c)] * (1.0 - f) + stops[lo + 1][size_t(c)] * f));
    }
    return QColor(rgb[0], rgb[1], rgb[2]);
}

QLinearGradient heat_gradient(HeatColormap map, QPointF start, QPointF stop) {
    QLinearGradient gradient(start, stop);
    constexpr int kSteps = 16;
    for (int i = 0; i <= kSteps; ++i) {
        const double t = double(i) / kSteps;
        gradient.setColorAt(t, heat_color(map, t));
    }
    return gradient;
}

}  // namespace taxoscope::ui
