// One layer's analysis in one pass over its activations (docs/analysis.md): SAE encode stream ->
// per-feature statistics, top-k, class x feature counts (true and shuffled labels) and FVU;
// then the taxonomy alignment, coverage and the linear probe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/analysis/analysis_file.h"
#include "core/analysis/linear_probe.h"
#include "core/compute/precision.h"
#include "core/taxonomy/taxonomy.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct AnalysisOptions {
    int64_t k = 32;      // top-k images per feature
    double theta = 0.5;  // coverage threshold on F1
    float tau = 0.0f;    // a feature fires on an image iff z > tau
    uint64_t seed = 0;   // shuffled-label baseline and probe subsampling
    Precision precision = Precision::F32;
    // Where the SAE products run (KernelOptions::device); everything else runs on the CPU. Not
    // among the parameters: a device changes rounding only, so a layer analysed on a GPU node
    // stays up to date on a laptop.
    std::string device = "cpu";
    double robust_fraction = 0.8;  // of the top-k mass, for the robust LCH
    bool run_probe = true;
    ProbeRecipe probe;
    // Split each block's statistics over LibTorch's threads (docs/analysis.md has the timing).
    bool parallel_statistics = true;
    // fp32 codes through the bf16 screen where it pays (KernelOptions::bf16_screen). Not among
    // the parameters either: the codes are fp32 dot products on both routes.
    bool bf16_screen = true;

    // What the results depend on (k, theta, tau, seed, precision, probe recipe, bins): stored
    // in each layer file and compared to decide whether a layer can be skipped.
    nlohmann::json parameters() const;
};

struct LayerInputs {
    std::string layer;
    std::filesystem::path activations;  // [N, d_in] float16/float32 .npy
    std::filesystem::path sae;          // an SAE folder (any layout load_sae reads)
    const Taxonomy* taxonomy = nullptr;
    std::vector<int32_t> labels;   // [N]: taxonomy class index, -1 = unlabelled
    std::vector<RowSplit> splits;  // [N]
};

struct LayerResult {
    LayerAnalysis analysis;  // metadata: "layer", "parameters", "summary"
    LayerSummary summary;
};

// The labels permuted among the labelled rows (Fisher-Yates, std::mt19937_64(seed)): the same
// class sizes, and unlabelled rows stay unlabelled.
std::vector<int32_t> shuffled_labels(const std::vector<int32_t>& labels, uint64_t seed);

Result<LayerResult> analyze_layer(const LayerInputs& inputs, const AnalysisOptions& options,
                                  ProgressSink& progress, const CancelToken& cancel);

}  // namespace taxoscope::core
