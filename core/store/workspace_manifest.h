// workspace.json: what produced a workspace (model, data, layers, token, dtype) and when.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/class_list.h"
#include "core/util/error.h"

namespace taxoscope::core {

struct WorkspaceLayer {
    std::string name;  // as the model names it
    int64_t dim = 0;   // D of activations/<layer>.npy
    std::string kind;  // "pooled" [B, D], "tokens" [B, T, D] or "feature-map" [B, C, H, W]
};

struct WorkspaceManifest {
    static constexpr int kVersion = 1;

    int version = kVersion;
    std::string model_path;
    std::string model_sha256;
    std::string dataset_kind;    // "folder", "manifest", "fashion-mnist"
    std::string dataset_source;  // the folder, manifest file or dataset name as given
    int64_t image_count = 0;     // rows of images.tsv and of every activations/<layer>.npy
    int64_t skipped_count = 0;   // images listed in extract_report.tsv
    ClassList classes;           // label i = classes.classes[i]
    std::vector<WorkspaceLayer> layers;
    std::string token;    // "cls", "mean", "pooled" or "spatial-mean" (CNN maps)
    std::string dtype;    // "float16" or "float32"
    std::string created;  // ISO 8601 UTC
    std::string tool_version;
    // Sections other stages add ("sae", "analysis", ...) survive a read/write round trip here.
    nlohmann::json extra = nlohmann::json::object();

    const WorkspaceLayer* find_layer(const std::string& name) const;
};

nlohmann::json manifest_to_json(const WorkspaceManifest& manifest);
Result<WorkspaceManifest> manifest_from_json(const nlohmann::json& json, const std::string& where);

Result<WorkspaceManifest> read_manifest(const std::filesystem::path& path);
Result<void> write_manifest(const std::filesystem::path& path, const WorkspaceManifest& manifest);

// "2025-03-01T12:34:56Z"
std::string utc_timestamp_now();

}  // namespace taxoscope::core
