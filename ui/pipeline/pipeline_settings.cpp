#include "ui/pipeline/pipeline_settings.h"

#include <system_error>

#include "core/store/workspace.h"

namespace taxoscope::ui {

OutputFolderState output_folder_state(const std::filesystem::path& folder) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(folder, ec)) {
        return OutputFolderState::New;
    }
    if (!fs::is_directory(folder, ec)) {
        return OutputFolderState::NotAFolder;
    }
    const core::WorkspacePaths paths(folder);
    if (fs::exists(paths.manifest(), ec)) {
        return OutputFolderState::Workspace;
    }
    if (fs::exists(paths.extract_progress(), ec)) {
        return OutputFolderState::InterruptedExtraction;
    }
    if (fs::directory_iterator(folder, ec) == fs::directory_iterator()) {
        return OutputFolderState::Empty;
    }
    return OutputFolderState::NotEmpty;
}

}  // namespace taxoscope::ui
