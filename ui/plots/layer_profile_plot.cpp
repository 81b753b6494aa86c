#include "ui/plots/layer_profile_plot.h"

#include <cmath>

namespace taxoscope::ui {

namespace {

struct Series {
    const char* name;
    double LayerProfileRow::*field;
    QColor colour;
    Qt::PenStyle style;
    bool right_axis;
};

const Series kSeries[] = {
    {"probe accuracy", &LayerProfileRow::probe_acc, QColor(31, 119, 180), Qt::SolidLine, false},
    {"coverage", &LayerProfileRow::coverage, QColor(214, 39, 40), Qt::SolidLine, false},
    {"coverage, shuffled labels", &LayerProfileRow::coverage_baseline, QColor(214, 39, 40),
     Qt::DashLine, false},
    {"FVU", &LayerProfileRow::fvu, QColor(44, 160, 44), Qt::SolidLine, false},
    {"dead fraction", &LayerProfileRow::dead_frac, QColor(127, 127, 127), Qt::DotLine, false},
    {"mean L0 (right axis)", &LayerProfileRow::l0, QColor(148, 103, 189), Qt::DashDotLine, true},
};

}  // namespace

LayerProfilePlot::LayerProfilePlot(QWidget* parent) : QCustomPlot(parent) {
    legend->setVisible(true);
    legend->setBrush(QColor(255, 255, 255, 220));
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    xAxis->setLabel(tr("layer"));
    yAxis->setLabel(tr("accuracy, coverage, FVU, dead fraction"));
    yAxis2->setVisible(true);
    yAxis2->setLabel(tr("mean L0"));
    for (const Series& series : kSeries) {
        QCPGraph* graph = addGraph(xAxis, series.right_axis ? yAxis2 : yAxis);
        graph->setName(tr(series.name));
        graph->setPen(QPen(series.colour, 2.0, series.style));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    }
    set_layers({});
}

void LayerProfilePlot::set_layers(const QVector<LayerProfileRow>& layers) {
    double max_l0 = 1.0;
    for (int s = 0; s < graphCount(); ++s) {
        QVector<double> keys;
        QVector<double> values;
        for (int layer = 0; layer < layers.size(); ++layer) {
            const double value = layers[layer].*(kSeries[s].field);
            // A gap, not a zero, where a layer lacks the figure.
            keys.push_back(layer);
            values.push_back(std::isnan(value) ? qQNaN() : value);
            if (kSeries[s].right_axis && !std::isnan(value)) {
                max_l0 = std::max(max_l0, value);
            }
        }
        graph(s)->setData(keys, values, true);
    }
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    for (int layer = 0; layer < layers.size(); ++layer) {
        ticks->addTick(layer, layers[layer].layer);
    }
    xAxis->setTicker(ticks);
    xAxis->setTickLabelRotation(layers.size() > 6 ? 45 : 0);
    xAxis->setRange(-0.3, std::max<int>(int(layers.size()), 1) - 0.7);
    yAxis->setRange(0.0, 1.05);
    yAxis2->setRange(0.0, max_l0 * 1.1);
    replot();
}

QStringList LayerProfilePlot::series_names() const {
    QStringList names;
    for (int s = 0; s < graphCount(); ++s) {
        names << graph(s)->name();
    }
    return names;
}

}  // namespace taxoscope::ui
