#include "ui/dialogs/version_report.h"

#include <gvc.h>
#include <qcustomplot.h>

#include <QtGlobal>

#include "core/util/runtime_info.h"

namespace taxoscope::ui {
namespace {

QString graphviz_version() {
    GVC_t* context = gvContext();
    if (context == nullptr) {
        return QStringLiteral("unavailable (gvContext failed)");
    }
    const char* version = gvcVersion(context);
    QString result = version ? QString::fromUtf8(version) : QStringLiteral("unknown");
    gvFreeContext(context);
    return result;
}

QString cuda_status(const core::RuntimeInfo& info) {
    if (info.cuda_available) {
        QStringList devices;
        for (size_t i = 0; i < info.cuda_devices.size(); ++i) {
            devices << QStringLiteral("cuda:%1 %2")
                           .arg(i)
                           .arg(QString::fromStdString(info.cuda_devices[i]));
        }
        return devices.join(QStringLiteral(", "));
    }
    return info.cuda_built ? QStringLiteral("no device found")
                           : QStringLiteral("not available (CPU build of LibTorch)");
}

}  // namespace

QList<QPair<QString, QString>> version_report() {
    const core::RuntimeInfo info = core::runtime_info();
    return {
        {QStringLiteral("taxoscope"), QString::fromStdString(info.taxoscope_version)},
        {QStringLiteral("Qt"), QString::fromLatin1(qVersion())},
        {QStringLiteral("LibTorch"), QString::fromStdString(info.libtorch_version)},
        {QStringLiteral("OpenCV"), QString::fromStdString(info.opencv_version)},
        {QStringLiteral("QCustomPlot"), QStringLiteral(QCUSTOMPLOT_VERSION_STR)},
        {QStringLiteral("Graphviz"), graphviz_version()},
        {QStringLiteral("CUDA"), cuda_status(info)},
        {QStringLiteral("CPU threads"), QString::number(info.torch_threads)},
    };
}

}  // namespace taxoscope::ui
