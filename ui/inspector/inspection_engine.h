// Runs image inspections for one workspace: opens the workspace's model and SAEs once (the
// first inspection pays for it; later ones reuse them), then per image prepares, inspects every
// layer and predicts the class. Thread-safe: calls are serialised, so it can be driven from a
// background task while the window that owns it stays responsive.
#pragma once

#include <QString>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "core/inspect/workspace_inspector.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"
#include "ui/inspector/inspection_result.h"

namespace taxoscope::ui {

class InspectionEngine {
  public:
    explicit InspectionEngine(std::filesystem::path workspace, core::InspectorOptions options = {});

    const std::filesystem::path& workspace() const { return workspace_; }
    // True once the model and SAEs are loaded (after the first successful run).
    bool is_open() const;

    // Errors name the image ("x.png: not a decodable image"), the workspace file at fault, or
    // say "cancelled"; the engine stays usable after any of them.
    core::Result<std::shared_ptr<const InspectionResult>> run(const std::filesystem::path& image,
                                                              const QString& display_name,
                                                              const core::InspectOptions& options,
                                                              core::ProgressSink& progress,
                                                              const core::CancelToken& cancel);

  private:
    core::Result<void> open_locked(core::ProgressSink& progress);
    void predict_locked(InspectionResult& result);

    std::filesystem::path workspace_;
    core::InspectorOptions options_;
    mutable std::mutex mutex_;
    std::optional<core::WorkspaceInspector> inspector_;
};

}  // namespace taxoscope::ui
