// The per-layer profile (the paper's figure): probe accuracy, FVU, dead fraction and coverage
// against its shuffled baseline on a [0, 1] axis, mean L0 on its own axis at the right.
#pragma once

#include <QVector>

#include <qcustomplot.h>

#include "ui/data/layer_profile_row.h"

namespace taxoscope::ui {

class LayerProfilePlot : public QCustomPlot {
    Q_OBJECT
  public:
    explicit LayerProfilePlot(QWidget* parent = nullptr);

    void set_layers(const QVector<LayerProfileRow>& layers);
    // Names of the plotted series, in legend order (for tests and export captions).
    QStringList series_names() const;
};

}  // namespace taxoscope::ui
