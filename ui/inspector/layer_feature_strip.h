// The "features across layers" strip of the inspector: for one taxonomy node, one bar per
// layer showing how strongly that layer's best feature for the node fires on the inspected
// image. Bar height = the activation relative to the feature's largest activation over the
// workspace's images (analysis act_max; the strip's largest value when unknown), colour = the
// feature's F1 for the node (the shared score scale). Hover for the numbers, click to select.
#pragma once

#include <QString>
#include <QVector>
#include <QWidget>

#include <cstdint>

namespace taxoscope::ui {

struct StripBar {
    QString layer;
    int64_t feature = -1;  // the layer's best feature for the node; -1: no analysis
    float value = 0.0f;    // its code z on the image (LayerInspection::codes)
    float f1 = 0.0f;       // its node detection F1 for the node
    float scale = 0.0f;    // its act_max over the workspace's images; 0: unknown
    QString note;          // why there is no bar, when feature < 0
};

class LayerFeatureStrip : public QWidget {
    Q_OBJECT
  public:
    explicit LayerFeatureStrip(QWidget* parent = nullptr);

    // `node` names the node in tooltips ("dog (n02084071)").
    void set_bars(QVector<StripBar> bars, const QString& node);
    void clear();
    const QVector<StripBar>& bars() const { return bars_; }
    QString node() const { return node_; }
    // The outlined column (the inspector's current layer); -1 for none.
    void set_current(int index);
    int current() const { return current_; }

    // The column of bar `index` (the clickable area); empty outside.
    QRect bar_rect(int index) const;
    int bar_at(const QPoint& point) const;  // -1 outside every column
    // The bar's height as a fraction of the plot (what is drawn), 0..1.
    double fraction(int index) const;
    QString tooltip(int index) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

  Q_SIGNALS:
    void bar_clicked(int index);

  protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

  private:
    QRect plot_rect() const;

    QVector<StripBar> bars_;
    QString node_;
    int current_ = -1;
};

}  // namespace taxoscope::ui
