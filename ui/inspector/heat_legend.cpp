#include "ui/inspector/heat_legend.h"

#include <QPainter>

#include <algorithm>

namespace taxoscope::ui {

HeatLegend::HeatLegend(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(
        tr("Colour scale of the heatmap: 0 (and below) is the darkest colour, the map's "
           "maximum the brightest"));
}

void HeatLegend::set_scale(const QString& title, double max) {
    title_ = title;
    max_ = max;
    empty_ = false;
    update();
}

void HeatLegend::set_colormap(HeatColormap map) {
    colormap_ = map;
    update();
}

void HeatLegend::clear() {
    empty_ = true;
    title_.clear();
    max_ = 0.0;
    update();
}

void HeatLegend::paintEvent(QPaintEvent* /*event*/) {
    if (empty_) {
        return;
    }
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics metrics(font());
    const int text_h = metrics.height();
    const QString low = QStringLiteral("0");
    const QString high = max_ > 0.0 ? QString::number(max_, 'g', 4) : tr("0 (zero map)");
    const int side = std::max(metrics.horizontalAdvance(high), metrics.horizontalAdvance(low)) + 8;
    const QRectF bar(side, 2, std::max(20, width() - 2 * side), 14);
    painter.fillRect(bar, heat_gradient(colormap_, bar.topLeft(), bar.topRight()));
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(bar);
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRectF(0, bar.top(), side - 4, bar.height()),
                     Qt::AlignRight | Qt::AlignVCenter, low);
    painter.drawText(QRectF(bar.right() + 4, bar.top(), side, bar.height()),
                     Qt::AlignLeft | Qt::AlignVCenter, high);
    painter.drawText(QRectF(bar.left(), bar.bottom() + 2, bar.width(), text_h),
                     Qt::AlignHCenter | Qt::AlignTop, title_);
}

}  // namespace taxoscope::ui
