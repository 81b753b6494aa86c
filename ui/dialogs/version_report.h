// Versions of everything taxoscope is built on, for Help -> About and bug reports.
#pragma once

#include <QList>
#include <QPair>
#include <QString>

namespace taxoscope::ui {

// (component, version-or-status) rows: taxoscope, Qt, LibTorch, OpenCV, QCustomPlot, Graphviz,
// CUDA.
QList<QPair<QString, QString>> version_report();

}  // namespace taxoscope::ui
