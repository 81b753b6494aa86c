// The per-layer alignment heatmap: layers (x) by node height (y), each cell the ontological
// coverage of that layer at that height, or the mean best F1, or coverage minus the shuffled
// baseline. Hovering names the cell; clicking selects its layer and height.
#pragma once

#include <QVector>

#include <qcustomplot.h>

#include "ui/data/layer_profile_row.h"

namespace taxoscope::ui {

class AlignmentHeatmap : public QCustomPlot {
    Q_OBJECT
  public:
    enum class Measure { Coverage, MeanBestF1, CoverageOverBaseline };

    explicit AlignmentHeatmap(QWidget* parent = nullptr);

    void set_layers(QVector<LayerProfileRow> layers);
    void set_measure(Measure measure);
    Measure measure() const { return measure_; }
    // The value drawn in a cell (NaN when the layer has no such height bucket).
    double cell_value(int layer, int height) const;
    int height_count() const { return height_count_; }
    // Widget position of a cell's centre (for tests and keyboard navigation).
    QPoint cell_centre(int layer, int height) const;

  Q_SIGNALS:
    void cell_clicked(int layer, int height);

  protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

  private:
    void rebuild();
    bool cell_at(const QPoint& position, int* layer, int* height) const;

    QVector<LayerProfileRow> layers_;
    Measure measure_ = Measure::Coverage;
    int height_count_ = 0;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
};

}  // namespace taxoscope::ui
