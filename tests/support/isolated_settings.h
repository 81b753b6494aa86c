// GUI tests keep their QSettings (recent workspaces, window state, dialog fields) in a folder of
// their own, so they neither read nor change the user's.
#pragma once

#include <QCoreApplication>
#include <QSettings>
#include <QString>

namespace taxoscope::test {

inline void use_isolated_settings(const QString& folder, const QString& application) {
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, folder);
    QCoreApplication::setOrganizationName(QStringLiteral("taxoscope-tests"));
    QCoreApplication::setApplicationName(application);
}

}  // namespace taxoscope::test
