// Linear-probe accuracy of one layer's raw activations (the layer profile, docs/analysis.md):
// multinomial logistic regression, train split -> held-out split, one fixed recipe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/npy_file.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct ProbeRecipe {
    int64_t max_train_rows = 10000;  // larger train splits are subsampled (by seed) to this
    int64_t max_test_rows = 20000;   // likewise for the held-out split
    int max_iterations = 100;        // L-BFGS iterations (full batch)
    int history_size = 10;           // L-BFGS correction pairs kept (each is 2 x the weights)
    double weight_decay = 1e-4;      // lambda of (lambda / 2) ||W||^2 (bias excluded)
    double heldout_fraction = 0.2;   // of labelled rows, when images.tsv has no split
    uint64_t seed = 0;

    nlohmann::json to_json() const;
};

enum class RowSplit : uint8_t { None, Train, Heldout };

// images.tsv split column -> RowSplit: "train" -> Train; "test", "val", "validation" -> Heldout;
// anything else (empty) -> None.
RowSplit parse_row_split(const std::string& split);

struct ProbeResult {
    double accuracy = 0.0;  // on the held-out rows used; NaN when the probe could not run
    int64_t train_rows = 0;
    int64_t test_rows = 0;
    bool split_from_table = true;  // false: the seeded 80/20 split
    std::string note;              // why the probe did not run, when it did not
};

// labels: class per row (-1 = unlabelled, ignored); splits: one per row.
Result<ProbeResult> run_linear_probe(const NpyFile& activations, const std::vector<int32_t>& labels,
                                     const std::vector<RowSplit>& splits, int64_t classes,
                                     const ProbeRecipe& recipe, ProgressSink& progress,
                                     const CancelToken& cancel);

}  // namespace taxoscope::core
