#include "ui/export/figure.h"

#include <QGraphicsScene>
#include <QPainter>
#include <QWidget>

#include <qcustomplot.h>

#include <algorithm>

namespace taxoscope::ui {

Figure figure_of_plot(QCustomPlot& plot, QSize size) {
    if (size.isEmpty()) {
        size = plot.size();
    }
    if (size.isEmpty()) {
        size = QSize(640, 420);
    }
    Figure figure;
    figure.size = size;
    QCPPainter painter(&figure.picture);
    plot.toPainter(&painter, size.width(), size.height());
    painter.end();
    return figure;
}

Figure figure_of_scene(QGraphicsScene& scene) {
    const QRectF source = scene.itemsBoundingRect().adjusted(-8, -8, 8, 8);
    Figure figure;
    figure.size = source.size();
    QPainter painter(&figure.picture);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene.render(&painter, QRectF(QPointF(0, 0), source.size()), source);
    painter.end();
    return figure;
}

Figure figure_of_widget(QWidget& widget) {
    Figure figure;
    figure.size = widget.size();
    QPainter painter(&figure.picture);
    widget.render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
    painter.end();
    return figure;
}

Figure stack_figures(const QVector<Figure>& parts, double gap) {
    Figure out;
    double width = 0.0;
    double height = 0.0;
    for (const Figure& part : parts) {
        width = std::max(width, part.size.width());
        height += part.size.height();
    }
    height += gap * std::max<qsizetype>(parts.size() - 1, 0);
    out.size = QSizeF(width, height);
    QPainter painter(&out.picture);
    double y = 0.0;
    for (const Figure& part : parts) {
        painter.save();
        painter.translate(0.0, y);
        painter.drawPicture(0, 0, part.picture);
        painter.restore();
        y += part.size.height() + gap;
    }
    painter.end();
    return out;
}

}  // namespace taxoscope::ui
