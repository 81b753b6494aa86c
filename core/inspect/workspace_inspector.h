// Everything `inspect` (and the GUI's image view) needs from a workspace, loaded once: the
// model of workspace.json on a device, one SAE per layer, and where they exist each layer's
// feature alignment (analysis/<layer>.safetensors) with the taxonomy its node indices refer to.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/inspect/feature_alignment.h"
#include "core/inspect/image_inspection.h"
#include "core/store/workspace.h"
#include "core/taxonomy/taxonomy.h"

namespace taxoscope::core {

struct InspectorOptions {
    std::vector<std::string> layers;  // empty or {"all"}: every workspace layer with an SAE
    std::string device = "auto";
    std::filesystem::path model;          // empty: workspace.json's model path
    std::filesystem::path metadata_file;  // as extract --metadata, for archives without one
};

// A feature's best taxonomy node, as analysis/<layer>.safetensors says.
struct NodeLabel {
    int node = -1;
    std::string id;    // wnid or custom id
    std::string name;  // display name; empty when taxonomy.json is missing
    float f1 = 0.0f;
};

class WorkspaceInspector {
  public:
    // Named layers must exist and have an SAE (sae/<layer>/); with "all", layers without an
    // SAE are skipped and listed in skipped_layers().
    static Result<WorkspaceInspector> open(const std::filesystem::path& workspace,
                                           const InspectorOptions& options);

    WorkspaceInspector(WorkspaceInspector&&) noexcept;
    WorkspaceInspector& operator=(WorkspaceInspector&&) noexcept;
    ~WorkspaceInspector();

    ModelRunner& runner() { return *runner_; }
    const Workspace& workspace() const { return *workspace_; }
    const std::vector<std::string>& layers() const { return layers_; }
    const std::vector<std::string>& skipped_layers() const { return skipped_; }
    // Notes about missing analysis files or taxonomy, for the user.
    const std::vector<std::string>& notes() const { return notes_; }

    Result<PreparedImage> prepare(const std::filesystem::path& image) const;
    // `features` (optional): maps for these instead of the top ones, in every layer.
    Result<ImageInspection> inspect(const PreparedImage& image, const InspectOptions& options,
                                    const std::vector<int64_t>& features, ProgressSink& progress,
                                    const CancelToken& cancel);

    // nullopt when the layer has no analysis file.
    std::optional<NodeLabel> best_node(const std::string& layer, int64_t feature) const;
    // The SAE of an inspected layer (for inspect_image on a subset of layers); nullptr for a
    // layer that is not inspected.
    const Sae* sae(const std::string& layer) const;
    // The taxonomy the analysis node indices refer to; nullptr when taxonomy.json is missing
    // (or no layer is analysed).
    const Taxonomy* taxonomy() const { return taxonomy_ ? &*taxonomy_ : nullptr; }

  private:
    WorkspaceInspector() = default;
    std::unique_ptr<Workspace> workspace_;
    std::unique_ptr<ModelRunner> runner_;
    std::vector<std::string> layers_;
    std::vector<std::string> skipped_;
    std::vector<std::string> notes_;
    std::map<std::string, Sae> saes_;
    std::map<std::string, FeatureAlignment> alignment_;
    std::optional<Taxonomy> taxonomy_;
    TokenChoice token_ = TokenChoice::Auto;
};

}  // namespace taxoscope::core
