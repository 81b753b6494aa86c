// Alignment of SAE features with the taxonomy (DESIGN.md "Metrics", docs/analysis.md): node
// detection F1 rolled up the DAG from class x feature firing counts, best node per feature,
// best feature per node, LCH and robust LCH of each feature's top-k classes, and ontological
// coverage overall and per height.
#pragma once

#include <cstdint>
#include <vector>

#include "core/compute/feature_top_k.h"
#include "core/taxonomy/taxonomy.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"

namespace taxoscope::core {

// Class x feature firing counts of labelled rows.
struct ClassFiringCounts {
    int64_t classes = 0;
    int64_t d_sae = 0;
    const int64_t* fire = nullptr;         // [C, D]: rows of class c on which feature j fired
    const int64_t* class_sizes = nullptr;  // [C]: labelled rows of class c
};

struct NodeAlignment {
    std::vector<int32_t> best_node;          // [D]; -1 when the feature never fired
    std::vector<float> best_f1;              // [D]
    std::vector<int32_t> node_best_feature;  // [V]; -1 when no feature has F1 > 0 there
    std::vector<float> node_best_f1;         // [V]
};

// F1(v, j) = 2 TP / (F_j + P_v) with TP = sum of fire[c, j] over the classes under v (a set),
// F_j = sum over all classes, P_v = sum of class sizes under v; 0 when F_j + P_v = 0.
// A feature's best node ranges over non-trivial nodes only; a node's best feature over all
// features. Ties: the lowest node index per feature, the lowest feature index per node.
Result<NodeAlignment> align_nodes(const Taxonomy& taxonomy, const ClassFiringCounts& counts,
                                  ProgressSink& progress, const CancelToken& cancel);

struct FeatureLch {
    std::vector<int32_t> lch_node;         // [D]; -1 when no top-k row has a label
    std::vector<int32_t> lch_height;       // [D]; -1 with lch_node
    std::vector<int32_t> robust_lch_node;  // [D]; -1 likewise
};

// labels: class index per row (-1 = unlabelled, skipped). Robust LCH: the deepest node holding
// >= `robust_fraction` of the top-k activation mass (each entry contributes its value).
FeatureLch top_k_lch(const Taxonomy& taxonomy, const FeatureTopKTable& top_k,
                     const std::vector<int32_t>& labels, double robust_fraction = 0.8);

struct Coverage {
    double overall = 0.0;  // NaN when the taxonomy has no non-trivial node
    // Index = node height; NaN where no non-trivial node has that height.
    std::vector<double> by_height;
    std::vector<int64_t> nodes_by_height;  // non-trivial nodes per height
};

// Fraction of non-trivial nodes whose node_best_f1 (as stored, float32) is >= theta.
Coverage ontological_coverage(const Taxonomy& taxonomy, const std::vector<float>& node_best_f1,
                              double theta);

}  // namespace taxoscope::core
