// A first look at a folder the user wants to open as a workspace.
#pragma once

#include <QString>

namespace taxoscope::ui {

struct WorkspaceCheck {
    bool ok = false;
    QString message;       // why it cannot be opened (names the folder or file)
    QString summary_html;  // what it holds, when ok
};

WorkspaceCheck check_workspace_folder(const QString& folder);

}  // namespace taxoscope::ui
