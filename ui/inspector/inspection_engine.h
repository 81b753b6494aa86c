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
#include <string>
#include <vector>

#include "core/inspect/workspace_inspector.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"
#include "ui/inspector/inspection_result.h"

namespace taxoscope::ui {

class InspectionEngine {
  public:
    explicit InspectionEngine(std::filesystem::path workspace, core::InspectorOptions options = {});

    // The engine of a workspace shared by everyone who holds it (the inspector window, the
    // explorer's grid heatmaps), so the model and SAEs load once; a new one when none is held.
    static std::shared_ptr<InspectionEngine> shared(const std::filesystem::path& workspace);

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

    // A dataset image by its images.tsv reference (a path or "fashion-mnist:<split>:<n>"),
    // decoded and prepared as the model expects. Opens the model first when needed.
    core::Result<core::PreparedImage> prepare_ref(const std::string& ref,
                                                  core::ProgressSink& progress);
    // One layer of an already prepared image with maps for `features` (patch projections, and
    // gradient maps when `relevance`): what the grid heatmaps and the strip's clicks need.
    core::Result<core::LayerInspection> layer_maps(const core::PreparedImage& image,
                                                   const std::string& layer,
                                                   const std::vector<int64_t>& features,
                                                   bool relevance, core::ProgressSink& progress,
                                                   const core::CancelToken& cancel);

    // The feature's best node (nullopt before the engine is open or without analysis). Waits
    // for a running inspection: call it from background tasks.
    std::optional<core::NodeLabel> best_node(const std::string& layer, int64_t feature) const;

  private:
    core::Result<void> open_locked(core::ProgressSink& progress);
    void load_node_alignment_locked();
    void predict_locked(InspectionResult& result);

    std::filesystem::path workspace_;
    core::InspectorOptions options_;
    mutable std::mutex mutex_;
    std::optional<core::WorkspaceInspector> inspector_;
    std::shared_ptr<const NodeAlignmentTable> nodes_;
};

}  // namespace taxoscope::ui
