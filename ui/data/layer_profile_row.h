// What the plots show of one analysed layer: its profile and its coverage by node height, as
// analysis/summary.json records them (docs/analysis.md). Plain values, cheap to copy.
#pragma once

#include <QString>
#include <QVector>

#include <cmath>

namespace taxoscope::ui {

struct LayerProfileRow {
    QString layer;
    double probe_acc = std::nan("");
    double fvu = std::nan("");
    double l0 = std::nan("");
    double dead_frac = std::nan("");
    double coverage = std::nan("");
    double coverage_baseline = std::nan("");
    QVector<double> coverage_by_height;           // index = node height
    QVector<double> coverage_baseline_by_height;  // same buckets, shuffled labels
    QVector<double> mean_best_f1_by_height;       // mean over the bucket's nodes of their best F1
};

}  // namespace taxoscope::ui
