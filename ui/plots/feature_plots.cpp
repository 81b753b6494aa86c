#include "ui/plots/feature_plots.h"

#include <algorithm>
#include <cmath>

namespace taxoscope::ui {

ActivationHistogram::ActivationHistogram(QWidget* parent) : QCustomPlot(parent) {
    // replot() redraws the plot's buffer at once but leaves the screen to the next paint:
    // QCustomPlot's default immediate refresh would repaint the whole window inside each
    // feature click, once per plot.
    setPlottingHint(QCP::phImmediateRefresh, false);
    bars_ = new QCPBars(xAxis, yAxis);
    bars_->setPen(QPen(QColor(40, 80, 140)));
    bars_->setBrush(QColor(70, 130, 180, 200));
    bars_->setWidthType(QCPBars::wtPlotCoords);
    xAxis->setLabel(tr("activation when firing"));
    yAxis->setLabel(tr("images"));
    yAxis->setScaleType(QCPAxis::stLogarithmic);
    yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    xAxis->setScaleType(QCPAxis::stLogarithmic);
    xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    setToolTip(tr("How often the feature fires at each strength (log-spaced bins, log counts)"));
}

void ActivationHistogram::set_histogram(const QVector<double>& edges,
                                        const QVector<double>& counts) {
    bars_->data()->clear();
    double max_count = 1.0;
    double lo = 0.0;
    double hi = 0.0;
    const bool valid = edges.size() == counts.size() + 1 && !counts.isEmpty();
    for (int b = 0; valid && b < counts.size(); ++b) {
        if (counts[b] <= 0 || edges[b] <= 0 || edges[b + 1] <= edges[b]) {
            continue;
        }
        // On a log axis a bar is centred at the geometric mean of its edges.
        const double centre = std::sqrt(edges[b] * edges[b + 1]);
        bars_->addData(centre, counts[b]);
        max_count = std::max(max_count, counts[b]);
        lo = lo == 0.0 ? edges[b] : std::min(lo, edges[b]);
        hi = std::max(hi, edges[b + 1]);
    }
    if (bars_->dataCount() > 0) {
        // Bar width in plot coordinates: use the narrowest bin so bars never overlap.
        double width = hi;
        for (int b = 0; b < counts.size(); ++b) {
            if (counts[b] > 0 && edges[b] > 0) {
                width = std::min(width, (edges[b + 1] - edges[b]) * 0.9);
            }
        }
        bars_->setWidth(width);
        xAxis->setRange(lo, hi);
    } else {
        xAxis->setRange(0.01, 10.0);
    }
    yAxis->setRange(0.8, max_count * 1.5);
    replot();
}

ClassDistributionPlot::ClassDistributionPlot(QWidget* parent) : QCustomPlot(parent) {
    setPlottingHint(QCP::phImmediateRefresh, false);  // as in ActivationHistogram
    inside_ = new QCPBars(yAxis, xAxis);              // horizontal bars: classes down the left
    outside_ = new QCPBars(yAxis, xAxis);
    inside_->setName(tr("under the LCH"));
    outside_->setName(tr("outside the LCH"));
    inside_->setBrush(QColor(44, 160, 44, 210));
    inside_->setPen(Qt::NoPen);
    outside_->setBrush(QColor(214, 39, 40, 190));
    outside_->setPen(Qt::NoPen);
    // Short: the chart shares a narrow column; the tooltip says what the colours mean.
    xAxis->setLabel(tr("firing rate"));
    xAxis->ticker()->setTickCount(3);
    xAxis->setRange(0.0, 1.0);
    yAxis->setRangeReversed(true);
    // No legend: it would cover the bars.
    setToolTip(
        tr("Share of each class's images on which the feature fires; green: classes under "
           "the feature's LCH, red: outside it"));
}

void ClassDistributionPlot::set_rates(QVector<ClassRate> rates, int limit) {
    std::stable_sort(rates.begin(), rates.end(),
                     [](const ClassRate& a, const ClassRate& b) { return a.rate > b.rate; });
    if (rates.size() > limit) {
        rates.resize(limit);
    }
    inside_->data()->clear();
    outside_->data()->clear();
    shown_.clear();
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    for (int i = 0; i < rates.size(); ++i) {
        (rates[i].in_lch ? inside_ : outside_)->addData(i, rates[i].rate);
        ticks->addTick(i, rates[i].name);
        shown_ << rates[i].name;
    }
    yAxis->setTicker(ticks);
    yAxis->setRange(-0.6, std::max<int>(int(rates.size()), 1) - 0.4);
    replot();
}

}  // namespace taxoscope::ui
