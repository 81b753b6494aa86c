// Paints a node's best F1 in every layer as a row of small coloured cells (first layer on the
// left), the current layer outlined and its value written beside the strip.
#pragma once

#include <QStyledItemDelegate>

namespace taxoscope::ui {

class LayerStripDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    // `values_role` holds a QVariantList of doubles, one per layer; set_current_layer() says
    // which of them is outlined and written out.
    LayerStripDelegate(int values_role, QObject* parent = nullptr);

    void set_current_layer(int layer) { current_layer_ = layer; }

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

  private:
    int values_role_;
    int current_layer_ = 0;
};

}  // namespace taxoscope::ui
