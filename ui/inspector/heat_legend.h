// The colour legend of the inspector's heatmap: the colormap as a bar from 0 to the map's
// maximum (the value drawn at full colour), titled with what the map measures.
#pragma once

#include <QWidget>

#include "ui/plots/heat_colormap.h"

namespace taxoscope::ui {

class HeatLegend : public QWidget {
    Q_OBJECT
  public:
    explicit HeatLegend(QWidget* parent = nullptr);

    // max <= 0: the map is zero everywhere (drawn in the darkest colour).
    void set_scale(const QString& title, double max);
    void set_colormap(HeatColormap map);
    void clear();

    QString title() const { return title_; }
    double maximum() const { return max_; }

    QSize sizeHint() const override { return {360, 46}; }
    QSize minimumSizeHint() const override { return {160, 46}; }

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    QString title_;
    double max_ = 0.0;
    bool empty_ = true;
    HeatColormap colormap_ = HeatColormap::Inferno;
};

}  // namespace taxoscope::ui
