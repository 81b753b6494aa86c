// A figure ready to export: vector drawing commands (a QPicture) and its size in logical
// pixels (96 per inch). Plots, the graph scene and plain widgets all become one, so one writer
// handles PNG, SVG and PDF, and composites (the feature card) stack figures without rasterising.
#pragma once

#include <QPicture>
#include <QSizeF>
#include <QVector>

class QCustomPlot;
class QGraphicsScene;
class QWidget;

namespace taxoscope::ui {

struct Figure {
    QPicture picture;
    QSizeF size;
};

// The plot at `size` (its current widget size when empty).
Figure figure_of_plot(QCustomPlot& plot, QSize size = {});
// The scene's items bounding rect, drawn at scale 1.
Figure figure_of_scene(QGraphicsScene& scene);
// The widget as it paints itself (its children included).
Figure figure_of_widget(QWidget& widget);

// Figures one under another, left-aligned, `gap` logical pixels apart.
Figure stack_figures(const QVector<Figure>& parts, double gap = 12.0);

}  // namespace taxoscope::ui
