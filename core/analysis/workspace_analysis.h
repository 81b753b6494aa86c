// `analyze` over a workspace (docs/analysis.md): the workspace's taxonomy (taxonomy.json, built
// and saved when absent), its labels mapped onto the taxonomy's classes, and one layer at a time
// written to analysis/<layer>.safetensors + analysis/summary.json, skipping layers whose file
// already matches the parameters and inputs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/analysis/layer_analysis.h"
#include "core/store/workspace.h"

namespace taxoscope::core {

// taxonomy.json of the workspace when present and no spec is given. Otherwise the taxonomy of
// `spec` (a custom taxonomy TSV, or a taxonomy.json), or with an empty spec the WordNet taxonomy
// of the manifest's class list; saved as the workspace's taxonomy.json when its content differs.
Result<Taxonomy> workspace_taxonomy(const Workspace& workspace, const std::filesystem::path& spec,
                                    ProgressSink& progress, const CancelToken& cancel);

// The rows' taxonomy classes and splits from images.tsv. A workspace label is matched to the
// taxonomy class at the same index when the ids agree, else by its wnid or name. Labels outside
// the class list are errors naming images.tsv and the row.
struct WorkspaceLabels {
    std::vector<int32_t> labels;
    std::vector<RowSplit> splits;
};
Result<WorkspaceLabels> workspace_labels(const Workspace& workspace, const Taxonomy& taxonomy);

// What a layer file records about its inputs (sizes + modification times of the activations,
// the SAE folder's files and images.tsv; the taxonomy's content hash).
Result<nlohmann::json> layer_input_fingerprint(const Workspace& workspace, const std::string& layer,
                                               const Taxonomy& taxonomy);

struct LayerOutcome {
    std::string layer;
    bool skipped = false;  // an up-to-date file was already there
    LayerSummary summary;
};

// Analyses one layer of the workspace (or skips it, see above; `force` never skips), writes its
// file and updates summary.json.
Result<LayerOutcome> analyze_workspace_layer(const Workspace& workspace, const std::string& layer,
                                             const Taxonomy& taxonomy,
                                             const WorkspaceLabels& labels,
                                             const AnalysisOptions& options, bool force,
                                             ProgressSink& progress, const CancelToken& cancel);

}  // namespace taxoscope::core
