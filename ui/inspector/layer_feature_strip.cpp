#include "ui/inspector/layer_feature_strip.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "ui/plots/color_scale.h"

namespace taxoscope::ui {

namespace {

constexpr int kMargin = 4;
constexpr int kMaxColumn = 140;  // wider columns look like a bar chart of two numbers

}  // namespace

LayerFeatureStrip::LayerFeatureStrip(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setCursor(Qt::PointingHandCursor);
}

void LayerFeatureStrip::set_bars(QVector<StripBar> bars, const QString& node) {
    bars_ = std::move(bars);
    node_ = node;
    if (current_ >= bars_.size()) {
        current_ = -1;
    }
    update();
}

void LayerFeatureStrip::clear() {
    set_bars({}, {});
    current_ = -1;
}

void LayerFeatureStrip::set_current(int index) {
    current_ = index >= 0 && index < bars_.size() ? index : -1;
    update();
}

QSize LayerFeatureStrip::sizeHint() const {
    const QFontMetrics metrics = fontMetrics();
    return {std::max(320, int(bars_.size()) * 56), 84 + 3 * metrics.height()};
}

QSize LayerFeatureStrip::minimumSizeHint() const {
    return {160, sizeHint().height()};
}

QRect LayerFeatureStrip::plot_rect() const {
    const QFontMetrics metrics = fontMetrics();
    const int count = std::max<int>(1, int(bars_.size()));
    const int column = std::min(kMaxColumn, (width() - 2 * kMargin) / count);
    const int plot_width = column * count;
    // Centred: a few layers do not huddle at the left edge.
    return QRect(std::max(kMargin, (width() - plot_width) / 2), kMargin + metrics.height(),
                 plot_width, height() - 2 * kMargin - 3 * metrics.height() - 4);
}

QRect LayerFeatureStrip::bar_rect(int index) const {
    if (index < 0 || index >= bars_.size()) {
        return {};
    }
    const QRect plot = plot_rect();
    const int column = plot.width() / std::max<int>(1, int(bars_.size()));
    return QRect(plot.left() + index * column, 0, column, height());
}

int LayerFeatureStrip::bar_at(const QPoint& point) const {
    for (int i = 0; i < bars_.size(); ++i) {
        if (bar_rect(i).contains(point)) {
            return i;
        }
    }
    return -1;
}

double LayerFeatureStrip::fraction(int index) const {
    if (index < 0 || index >= bars_.size() || bars_[index].feature < 0) {
        return 0.0;
    }
    const StripBar& bar = bars_[index];
    double scale = double(bar.scale);
    if (!(scale > 0.0)) {
        // Unknown range: relative to the strip's largest value.
        for (const StripBar& other : bars_) {
            scale = std::max(scale, double(other.value));
        }
    }
    if (!(scale > 0.0) || !(bar.value > 0.0f)) {
        return 0.0;
    }
    return std::clamp(double(bar.value) / scale, 0.0, 1.0);
}

QString LayerFeatureStrip::tooltip(int index) const {
    if (index < 0 || index >= bars_.size()) {
        return {};
    }
    const StripBar& bar = bars_[index];
    if (bar.feature < 0) {
        return tr("%1: %2").arg(bar.layer, bar.note.isEmpty() ? tr("no analysis") : bar.note);
    }
    QString text = tr("<b>%1 · feature %2</b><br>the layer's best feature for %3<br>"
                      "activation on this image: <b>%4</b>")
                       .arg(bar.layer.toHtmlEscaped())
                       .arg(bar.feature)
                       .arg(node_.toHtmlEscaped())
                       .arg(double(bar.value), 0, 'g', 4);
    if (bar.scale > 0.0f) {
        text += tr("<br>%1% of its largest activation over the workspace's images (%2)")
                    .arg(100.0 * double(bar.value) / double(bar.scale), 0, 'f', 0)
                    .arg(double(bar.scale), 0, 'g', 4);
    }
    text += tr("<br>node detection F1 <b>%1</b><br><i>click: select this layer and feature</i>")
                .arg(double(bar.f1), 0, 'f', 3);
    return text;
}

bool LayerFeatureStrip::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int index = bar_at(help->pos());
        if (index >= 0) {
            QToolTip::showText(help->globalPos(), tooltip(index), this, bar_rect(index));
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QWidget::event(event);
}

void LayerFeatureStrip::mousePressEvent(QMouseEvent* event) {
    const int index = bar_at(event->position().toPoint());
    if (event->button() == Qt::LeftButton && index >= 0 && bars_[index].feature >= 0) {
        Q_EMIT bar_clicked(index);
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

void LayerFeatureStrip::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const QFontMetrics metrics = fontMetrics();
    if (bars_.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter,
                         node_.isEmpty() ? tr("No analysed layer: nothing to compare")
                                         : tr("No analysed layer has a feature for %1").arg(node_));
        return;
    }
    const QRect plot = plot_rect();
    painter.setPen(QPen(palette().color(QPalette::Mid), 1));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.setPen(QPen(palette().color(QPalette::Midlight), 1, Qt::DotLine));
    painter.drawLine(plot.topLeft(), plot.topRight());  // 100% of the feature's maximum
    {
        QFont note = font();
        note.setPointSizeF(std::max(6.0, note.pointSizeF() * 0.8));
        const QFontMetrics note_metrics(note);
        const QString text = tr("feature's max");
        if (width() - plot.right() > note_metrics.horizontalAdvance(text) + 2 * kMargin) {
            painter.setFont(note);
            painter.setPen(palette().color(QPalette::PlaceholderText));
            painter.drawText(QPoint(plot.right() + kMargin, plot.top() + note_metrics.ascent() / 2),
                             text);
        }
    }

    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    const QFontMetrics small_metrics(small);
    for (int i = 0; i < bars_.size(); ++i) {
        const StripBar& bar = bars_[i];
        const QRect column = bar_rect(i);
        const QRect cell(column.left() + 2, plot.top(), column.width() - 4, plot.height());
        if (i == current_) {
            painter.fillRect(QRect(column.left(), 0, column.width(), height()),
                             palette().color(QPalette::AlternateBase));
            painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
            painter.drawRect(QRect(column.left() + 1, 1, column.width() - 2, height() - 2));
        }
        // The layer's name under the baseline, elided to its column.
        painter.setFont(small);
        painter.setPen(palette().color(QPalette::Text));
        const QRect name_rect(column.left(), plot.bottom() + 3, column.width(),
                              small_metrics.height());
        painter.drawText(name_rect, Qt::AlignHCenter | Qt::AlignTop,
                         small_metrics.elidedText(bar.layer, Qt::ElideMiddle, column.width() - 2));
        const QRect feature_rect = name_rect.translated(0, small_metrics.height());
        if (bar.feature < 0) {
            painter.setPen(palette().color(QPalette::PlaceholderText));
            painter.drawText(cell, Qt::AlignCenter, tr("n/a"));
            continue;
        }
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(feature_rect, Qt::AlignHCenter | Qt::AlignTop,
                         small_metrics.elidedText(QStringLiteral("#%1").arg(bar.feature),
                                                  Qt::ElideRight, column.width() - 2));
        const int bar_width = std::min(cell.width(), 40);
        const int h = int(std::lround(fraction(i) * cell.height()));
        const QRect filled(cell.center().x() - bar_width / 2, cell.bottom() - h + 1, bar_width, h);
        const QColor color = score_color(double(bar.f1));
        if (h > 0) {
            painter.fillRect(filled, color);
            painter.setPen(QPen(color.darker(140), 1));
            painter.drawRect(filled.adjusted(0, 0, -1, -1));
        } else {
            // Silent: a stub in the F1 colour keeps the feature's alignment visible.
            painter.fillRect(QRect(filled.left(), cell.bottom() - 2, bar_width, 3), color);
        }
        painter.setPen(palette().color(QPalette::Text));
        const QString value =
            bar.value > 0.0f ? QString::number(double(bar.value), 'g', 3) : tr("0 (silent)");
        const QRect value_rect(column.left(), filled.top() - small_metrics.height() - 1,
                               column.width(), small_metrics.height());
        painter.drawText(value_rect, Qt::AlignHCenter | Qt::AlignBottom,
                         small_metrics.elidedText(value, Qt::ElideRight, column.width() - 2));
    }
}

}  // namespace taxoscope::ui
