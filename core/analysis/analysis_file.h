// analysis/<layer>.safetensors and analysis/summary.json: what `analyze` writes and the GUI,
// `inspect` and the demo read. Tensor list and JSON keys: docs/analysis.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace taxoscope::core {

inline constexpr const char* kAnalysisFormat = "taxoscope.analysis";
inline constexpr const char* kAnalysisSummaryFormat = "taxoscope.analysis-summary";
inline constexpr int kAnalysisVersion = 1;

// The per-layer profile and coverage (one entry of summary.json). NaN is written as null.
struct LayerSummary {
    std::string layer;
    int64_t rows = 0;
    int64_t d_sae = 0;
    double probe_acc = 0.0;
    int64_t probe_train_rows = 0;
    int64_t probe_test_rows = 0;
    bool probe_split_from_table = true;
    double fvu = 0.0;
    double l0 = 0.0;
    double dead_frac = 0.0;
    double coverage = 0.0;
    double coverage_baseline = 0.0;
    std::vector<double> coverage_by_height;  // index = node height
    std::vector<double> coverage_baseline_by_height;
    std::vector<int64_t> nontrivial_nodes_by_height;
    nlohmann::json parameters = nlohmann::json::object();  // k, theta, tau, seed, precision, probe

    nlohmann::json to_json() const;
    static Result<LayerSummary> from_json(const nlohmann::json& json, const std::string& where);
};

// Everything in analysis/<layer>.safetensors as plain row-major vectors.
struct LayerAnalysis {
    int64_t d_sae = 0;
    int64_t k = 0;
    int64_t classes = 0;
    int64_t nodes = 0;
    int64_t bins = 0;
    std::vector<float> topk_values;          // [D, k]
    std::vector<int64_t> topk_indices;       // [D, k]; row index into images.tsv, -1 = padding
    std::vector<int64_t> fire_count;         // [D]
    std::vector<double> act_sum;             // [D]
    std::vector<double> act_sq_sum;          // [D]
    std::vector<float> act_max;              // [D]
    std::vector<int64_t> hist;               // [D, B]
    std::vector<double> hist_edges;          // [B + 1]
    std::vector<int64_t> class_fire;         // [C, D]
    std::vector<float> class_sum;            // [C, D]
    std::vector<int64_t> class_size;         // [C]: labelled rows per class
    std::vector<int32_t> best_node;          // [D]
    std::vector<float> best_f1;              // [D]
    std::vector<int32_t> lch_node;           // [D]
    std::vector<int32_t> lch_height;         // [D]
    std::vector<int32_t> robust_lch_node;    // [D]
    std::vector<int32_t> node_best_feature;  // [V]
    std::vector<float> node_best_f1;         // [V]
    std::vector<int32_t> node_best_feature_baseline;  // [V], shuffled labels
    std::vector<float> node_best_f1_baseline;         // [V], shuffled labels
    // The file's __metadata__: "format", "version", "layer", "parameters", "inputs", "summary"
    // (the last three are JSON text).
    std::map<std::string, std::string> metadata;
};

// Checks every size against d_sae, k, classes, nodes, bins, then writes atomically.
Result<void> write_layer_analysis(const std::filesystem::path& path, const LayerAnalysis& analysis);
// Reads and checks every tensor's dtype and shape; errors name the file and tensor.
Result<LayerAnalysis> load_layer_analysis(const std::filesystem::path& path);
// Only the metadata (cheap: the tensors stay mapped, unread).
Result<std::map<std::string, std::string>> read_layer_analysis_metadata(
    const std::filesystem::path& path);

struct AnalysisSummary {
    std::map<std::string, LayerSummary> layers;
    // Workspace-wide figures other stages add next to "layers" (the demo's "model_test_acc");
    // kept as they are by every update.
    nlohmann::json extra = nlohmann::json::object();
};

Result<AnalysisSummary> read_analysis_summary(const std::filesystem::path& path);
// Replaces (or adds) one layer's entry, keeping the others; atomic. A missing or unreadable
// summary.json starts empty (every entry is also kept in its layer file's metadata).
Result<void> update_analysis_summary(const std::filesystem::path& path, const LayerSummary& layer);
// Sets one workspace-wide entry next to "layers" ("format", "version" and "layers" are refused);
// atomic, and no write when the value is already there.
Result<void> set_analysis_summary_entry(const std::filesystem::path& path, const std::string& key,
                                        const nlohmann::json& value);

}  // namespace taxoscope::core
