// A workspace folder and the paths of everything in it. Each stage adds its own files under the
// helpers below (extract: activations/, SAE: sae/<layer>/, analysis: analysis/, taxonomy.json).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/store/image_table.h"
#include "core/store/npy_file.h"
#include "core/store/workspace_manifest.h"

namespace taxoscope::core {

// Pure path arithmetic; no file is touched.
class WorkspacePaths {
  public:
    explicit WorkspacePaths(std::filesystem::path root) : root_(std::move(root)) {}

    // A layer name as a file name: characters outside [A-Za-z0-9._-] (and a leading '.') become
    // %XX, so "blocks/3" and "blocks.3" never collide and nothing escapes the folder.
    static std::string layer_file_stem(const std::string& layer);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path manifest() const { return root_ / "workspace.json"; }
    std::filesystem::path images() const { return root_ / "images.tsv"; }
    std::filesystem::path extract_report() const { return root_ / "extract_report.tsv"; }
    // Written while an extraction runs and removed when it completes (see extract docs).
    std::filesystem::path extract_progress() const { return root_ / "extract_progress.json"; }
    std::filesystem::path activations_dir() const { return root_ / "activations"; }
    std::filesystem::path activations(const std::string& layer) const;
    std::filesystem::path sae_dir(const std::string& layer) const;
    std::filesystem::path sae_config(const std::string& layer) const;
    std::filesystem::path sae_weights(const std::string& layer) const;
    std::filesystem::path analysis_dir() const { return root_ / "analysis"; }
    std::filesystem::path analysis(const std::string& layer) const;
    std::filesystem::path analysis_summary() const { return analysis_dir() / "summary.json"; }
    std::filesystem::path taxonomy() const { return root_ / "taxonomy.json"; }

  private:
    std::filesystem::path root_;
};

// An existing, complete workspace: its manifest read and checked.
class Workspace {
  public:
    static Result<Workspace> open(const std::filesystem::path& root);

    const WorkspacePaths& paths() const { return paths_; }
    const WorkspaceManifest& manifest() const { return manifest_; }
    std::vector<std::string> layer_names() const;

    Result<std::vector<ImageRecord>> read_images() const;
    // Memory-mapped activations of one layer, checked against the manifest ([images, dim]).
    Result<NpyFile> open_activations(const std::string& layer) const;
    // Rewrites workspace.json (atomically), e.g. after adding an "sae" section to extra.
    Result<void> save_manifest(const WorkspaceManifest& manifest);

  private:
    Workspace(WorkspacePaths paths, WorkspaceManifest manifest)
        : paths_(std::move(paths)), manifest_(std::move(manifest)) {}
    WorkspacePaths paths_;
    WorkspaceManifest manifest_;
};

}  // namespace taxoscope::core
