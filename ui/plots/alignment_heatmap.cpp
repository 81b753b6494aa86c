#include "ui/plots/alignment_heatmap.h"

#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "ui/plots/color_scale.h"

namespace taxoscope::ui {

namespace {

QCPColorGradient score_gradient(bool diverging) {
    QCPColorGradient gradient;
    gradient.clearColorStops();
    if (diverging) {
        gradient.setColorStopAt(0.0, QColor(33, 102, 172));
        gradient.setColorStopAt(0.5, QColor(247, 247, 247));
        gradient.setColorStopAt(1.0, QColor(178, 24, 43));
    } else {
        for (int i = 0; i <= 8; ++i) {
            gradient.setColorStopAt(i / 8.0, score_color(i / 8.0));
        }
    }
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    return gradient;
}

double at(const QVector<double>& values, int i) {
    return i >= 0 && i < values.size() ? values[i] : std::nan("");
}

}  // namespace

AlignmentHeatmap::AlignmentHeatmap(QWidget* parent) : QCustomPlot(parent) {
    map_ = new QCPColorMap(xAxis, yAxis);
    scale_ = new QCPColorScale(this);
    plotLayout()->addElement(0, 1, scale_);
    scale_->setType(QCPAxis::atRight);
    map_->setColorScale(scale_);
    map_->setInterpolate(false);
    xAxis->setLabel(tr("layer"));
    yAxis->setLabel(tr("node height"));
    setMouseTracking(true);
    setToolTip(tr("Hover a cell for its value; click it to select that layer and height"));
    rebuild();
}

void AlignmentHeatmap::set_layers(QVector<LayerProfileRow> layers) {
    layers_ = std::move(layers);
    rebuild();
}

void AlignmentHeatmap::set_measure(Measure measure) {
    measure_ = measure;
    rebuild();
}

double AlignmentHeatmap::cell_value(int layer, int height) const {
    if (layer < 0 || layer >= layers_.size()) {
        return std::nan("");
    }
    const LayerProfileRow& summary = layers_[layer];
    switch (measure_) {
        case Measure::Coverage:
            return at(summary.coverage_by_height, height);
        case Measure::MeanBestF1:
            return at(summary.mean_best_f1_by_height, height);
        case Measure::CoverageOverBaseline:
            return at(summary.coverage_by_height, height) -
                   at(summary.coverage_baseline_by_height, height);
    }
    return std::nan("");
}

void AlignmentHeatmap::rebuild() {
    height_count_ = 0;
    for (const LayerProfileRow& summary : layers_) {
        height_count_ = std::max(height_count_, int(summary.coverage_by_height.size()));
    }
    const int layer_count = int(layers_.size());
    map_->data()->setSize(std::max(layer_count, 1), std::max(height_count_, 1));
    map_->data()->setRange(QCPRange(0, std::max(layer_count - 1, 0)),
                           QCPRange(0, std::max(height_count_ - 1, 0)));
    for (int layer = 0; layer < std::max(layer_count, 1); ++layer) {
        for (int height = 0; height < std::max(height_count_, 1); ++height) {
            map_->data()->setCell(layer, height, cell_value(layer, height));
        }
    }
    const bool diverging = measure_ == Measure::CoverageOverBaseline;
    map_->setGradient(score_gradient(diverging));
    map_->setDataRange(diverging ? QCPRange(-1, 1) : QCPRange(0, 1));
    switch (measure_) {
        case Measure::Coverage:
            scale_->axis()->setLabel(tr("coverage"));
            break;
        case Measure::MeanBestF1:
            scale_->axis()->setLabel(tr("mean best F1"));
            break;
        case Measure::CoverageOverBaseline:
            scale_->axis()->setLabel(tr("coverage − shuffled baseline"));
            break;
    }

    QSharedPointer<QCPAxisTickerText> layer_ticks(new QCPAxisTickerText);
    for (int layer = 0; layer < layer_count; ++layer) {
        layer_ticks->addTick(layer, layers_[layer].layer);
    }
    xAxis->setTicker(layer_ticks);
    xAxis->setTickLabelRotation(layer_count > 6 ? 45 : 0);
    QSharedPointer<QCPAxisTickerFixed> height_ticks(new QCPAxisTickerFixed);
    height_ticks->setTickStep(1.0);
    height_ticks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    yAxis->setTicker(height_ticks);
    xAxis->setRange(-0.5, std::max(layer_count, 1) - 0.5);
    yAxis->setRange(-0.5, std::max(height_count_, 1) - 0.5);
    replot();
}

QPoint AlignmentHeatmap::cell_centre(int layer, int height) const {
    return QPoint(int(std::lround(xAxis->coordToPixel(layer))),
                  int(std::lround(yAxis->coordToPixel(height))));
}

bool AlignmentHeatmap::cell_at(const QPoint& position, int* layer, int* height) const {
    if (!axisRect()->rect().contains(position) || layers_.isEmpty() || height_count_ == 0) {
        return false;
    }
    *layer = int(std::lround(xAxis->pixelToCoord(position.x())));
    *height = int(std::lround(yAxis->pixelToCoord(position.y())));
    return *layer >= 0 && *layer < layers_.size() && *height >= 0 && *height < height_count_;
}

void AlignmentHeatmap::mouseMoveEvent(QMouseEvent* event) {
    QCustomPlot::mouseMoveEvent(event);
    int layer = 0;
    int height = 0;
    if (!cell_at(event->pos(), &layer, &height)) {
        QToolTip::hideText();
        return;
    }
    const LayerProfileRow& summary = layers_[layer];
    const double coverage = at(summary.coverage_by_height, height);
    const double baseline = at(summary.coverage_baseline_by_height, height);
    const double f1 = at(summary.mean_best_f1_by_height, height);
    auto number = [](double v) {
        return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', 3);
    };
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("<b>%1</b>, height %2<br>coverage %3 (shuffled %4)<br>mean best F1 %5")
                           .arg(summary.layer.toHtmlEscaped())
                           .arg(height)
                           .arg(number(coverage), number(baseline), number(f1)),
                       this);
}

void AlignmentHeatmap::mouseReleaseEvent(QMouseEvent* event) {
    QCustomPlot::mouseReleaseEvent(event);
    int layer = 0;
    int height = 0;
    if (event->button() == Qt::LeftButton && cell_at(event->pos(), &layer, &height)) {
        Q_EMIT cell_clicked(layer, height);
    }
}

}  // namespace taxoscope::ui
