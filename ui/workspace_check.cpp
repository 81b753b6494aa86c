#include "ui/workspace_check.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace taxoscope::ui {

WorkspaceCheck check_workspace_folder(const QString& folder) {
    WorkspaceCheck check;
    const QFileInfo info(folder);
    if (!info.isDir()) {
        check.message = QObject::tr("%1 is not a folder").arg(folder);
        return check;
    }
    const QString manifest_path = QDir(folder).filePath(QStringLiteral("workspace.json"));
    QFile manifest(manifest_path);
    if (!manifest.exists()) {
        check.message =
            QObject::tr("%1 is not a taxoscope workspace: it has no workspace.json").arg(folder);
        return check;
    }
    if (!manifest.open(QIODevice::ReadOnly)) {
        check.message =
            QObject::tr("cannot read %1: %2").arg(manifest_path, manifest.errorString());
        return check;
    }
    QJsonParseError parse_error;
    const QJsonDocument document = QJsonDocument::fromJson(manifest.readAll(), &parse_error);
    if (parse_error.error != QJsonParseError::NoError || !document.isObject()) {
        check.message = QObject::tr("%1 is not valid JSON (at byte %2: %3)")
                            .arg(manifest_path)
                            .arg(parse_error.offset)
                            .arg(parse_error.errorString());
        return check;
    }
    const QJsonObject root = document.object();
    QStringList layers;
    for (const auto& layer : root.value(QStringLiteral("layers")).toArray()) {
        layers << layer.toString();
    }
    check.ok = true;
    check.summary_html =
        QObject::tr("<h3>%1</h3><p>model: %2<br>layers: %3</p>")
            .arg(QDir(folder).dirName().toHtmlEscaped(),
                 root.value(QStringLiteral("model"))
                     .toObject()
                     .value(QStringLiteral("path"))
                     .toString(QObject::tr("(not recorded)"))
                     .toHtmlEscaped(),
                 layers.isEmpty() ? QObject::tr("(none)") : layers.join(QStringLiteral(", ")));
    return check;
}

}  // namespace taxoscope::ui
