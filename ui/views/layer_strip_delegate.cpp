#include "ui/views/layer_strip_delegate.h"

#include <QApplication>
#include <QPainter>

#include <cmath>

#include "ui/plots/color_scale.h"

namespace taxoscope::ui {

namespace {
constexpr int kCellWidth = 7;
constexpr int kCellGap = 1;
}  // namespace

LayerStripDelegate::LayerStripDelegate(int values_role, QObject* parent)
    : QStyledItemDelegate(parent), values_role_(values_role) {}

void LayerStripDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const {
    QStyleOptionViewItem base = option;
    initStyleOption(&base, index);
    base.text.clear();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &base, painter, widget);

    const QVariantList values = index.data(values_role_).toList();
    if (values.isEmpty()) {
        return;
    }
    painter->save();
    const QRect area = option.rect.adjusted(3, 3, -3, -3);
    int x = area.left();
    for (int layer = 0; layer < values.size(); ++layer) {
        const QRect cell(x, area.top(), kCellWidth, area.height());
        painter->fillRect(cell, score_color(values[layer].toDouble()));
        if (layer == current_layer_) {
            painter->setPen(QPen(option.palette.color(QPalette::Text), 1));
            painter->drawRect(cell.adjusted(0, 0, -1, -1));
        }
        x += kCellWidth + kCellGap;
    }
    if (current_layer_ >= 0 && current_layer_ < values.size()) {
        const double f1 = values[current_layer_].toDouble();
        const QString text = std::isnan(f1) ? QStringLiteral("–") : QString::number(f1, 'f', 2);
        const bool selected = option.state & QStyle::State_Selected;
        painter->setPen(
            option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        painter->drawText(
            QRect(x + 4, option.rect.top(), option.rect.right() - x - 4, option.rect.height()),
            Qt::AlignVCenter | Qt::AlignLeft, text);
    }
    painter->restore();
}

QSize LayerStripDelegate::sizeHint(const QStyleOptionViewItem& option,
                                   const QModelIndex& index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const int layers = index.data(values_role_).toList().size();
    const int text_width = option.fontMetrics.horizontalAdvance(QStringLiteral("0.00")) + 10;
    size.setWidth(layers * (kCellWidth + kCellGap) + text_width);
    return size;
}

}  // namespace taxoscope::ui
