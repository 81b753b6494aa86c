// The two plots of a feature's detail: its activation histogram (log-spaced bins, log counts)
// and its class distribution (classes by firing rate, coloured by whether they lie under the
// feature's LCH).
#pragma once

#include <QStringList>
#include <QVector>

#include <qcustomplot.h>

namespace taxoscope::ui {

class ActivationHistogram : public QCustomPlot {
    Q_OBJECT
  public:
    explicit ActivationHistogram(QWidget* parent = nullptr);
    // counts[b] images with activation in [edges[b], edges[b+1]); edges.size() == counts.size()+1.
    void set_histogram(const QVector<double>& edges, const QVector<double>& counts);
    int bar_count() const { return bars_->dataCount(); }

  private:
    QCPBars* bars_;
};

struct ClassRate {
    QString name;
    double rate = 0.0;  // firings / images of the class
    bool in_lch = false;
};

class ClassDistributionPlot : public QCustomPlot {
    Q_OBJECT
  public:
    explicit ClassDistributionPlot(QWidget* parent = nullptr);
    // Shows the `limit` classes with the highest rate, highest first.
    void set_rates(QVector<ClassRate> rates, int limit = 20);
    QStringList shown_classes() const { return shown_; }

  private:
    QCPBars* inside_;
    QCPBars* outside_;
    QStringList shown_;
};

}  // namespace taxoscope::ui
