#include "core/analysis/taxonomy_alignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <ATen/Parallel.h>

#include "core/taxonomy/bitset.h"

namespace taxoscope::core {
namespace {

// Features aligned together: their true-positive counts for every node ([V, kFeatureBlock]
// int64, under 1 MiB for ImageNet's 1,860 nodes) stay in a core's cache while the DAG is rolled
// up.
constexpr int64_t kFeatureBlock = 64;

// How a node's true positives are summed from nodes summed before it: children whose class sets
// are pairwise disjoint, plus the classes none of them holds (in a DAG, children may share
// classes, and such a class must count once). Every image is then counted exactly once, as in a
// sum over the node's class set, at a fraction of the additions.
struct RollUp {
    std::vector<int> nodes;
    std::vector<int> classes;
};

std::vector<RollUp> roll_up_plan(const Taxonomy& taxonomy) {
    std::vector<RollUp> plan(static_cast<size_t>(taxonomy.node_count()));
    for (int v = 0; v < taxonomy.node_count(); ++v) {
        RollUp& step = plan[static_cast<size_t>(v)];
        std::vector<int> children = taxonomy.children(v);
        // The largest class sets first: they cover the most with one addition.
        std::stable_sort(children.begin(), children.end(), [&](int a, int b) {
            return taxonomy.classes_under(a).count() > taxonomy.classes_under(b).count();
        });
        Bitset covered(taxonomy.class_count());
        for (int u : children) {
            Bitset shared = taxonomy.classes_under(u);
            shared &= covered;
            if (shared.none()) {
                step.nodes.push_back(u);
                covered |= taxonomy.classes_under(u);
            }
        }
        taxonomy.classes_under(v).for_each([&](int c) {
            if (!covered.test(c)) {
                step.classes.push_back(c);
            }
        });
    }
    return plan;
}

// One feature block's share of the result: every node's best feature within the block.
struct BlockBest {
    std::vector<double> node_f1;
    std::vector<int32_t> node_feature;
};

void align_block(const Taxonomy& taxonomy, const std::vector<RollUp>& plan,
                 const ClassFiringCounts& counts, const std::vector<int64_t>& fires,
                 const std::vector<int64_t>& positives, int64_t j0, int64_t j1,
                 std::vector<int64_t>& tp, BlockBest& block, NodeAlignment& out,
                 std::vector<double>& feature_best) {
    const int64_t d = counts.d_sae;
    const int64_t width = j1 - j0;
    const int nodes = taxonomy.node_count();
    tp.assign(static_cast<size_t>(int64_t{nodes} * kFeatureBlock), 0);
    // Parents come before their children in index order, so a backward walk finds every
    // node's parts already summed.
    for (int v = nodes - 1; v >= 0; --v) {
        int64_t* sum = tp.data() + int64_t{v} * kFeatureBlock;
        const RollUp& step = plan[static_cast<size_t>(v)];
        for (int u : step.nodes) {
            const int64_t* part = tp.data() + int64_t{u} * kFeatureBlock;
            for (int64_t j = 0; j < width; ++j) {
                sum[j] += part[j];
            }
        }
        for (int c : step.classes) {
            const int64_t* row = counts.fire + int64_t{c} * d + j0;
            for (int64_t j = 0; j < width; ++j) {
                sum[j] += row[j];
            }
        }
    }
    block.node_f1.assign(static_cast<size_t>(nodes), 0.0);
    block.node_feature.assign(static_cast<size_t>(nodes), -1);
    // Nodes ascending with strict comparisons: the lowest node index wins a feature's ties and
    // the lowest feature a node's, as a plain double loop would give.
    for (int v = 0; v < nodes; ++v) {
        const int64_t* sum = tp.data() + int64_t{v} * kFeatureBlock;
        const int64_t p = positives[static_cast<size_t>(v)];
        const bool nontrivial = taxonomy.is_nontrivial(v);
        double node_best = 0.0;
        int32_t node_feature = -1;
        for (int64_t j = 0; j < width; ++j) {
            const auto ju = static_cast<size_t>(j0 + j);
            const int64_t denominator = fires[ju] + p;
            const double f1 = denominator > 0 ? 2.0 * static_cast<double>(sum[j]) /
                                                    static_cast<double>(denominator)
                                              : 0.0;
            if (f1 > node_best) {
                node_best = f1;
                node_feature = static_cast<int32_t>(j0 + j);
            }
            // Trivial nodes (the root's class set) detect every image: their F1 only says how
            // often a feature fires, so they never count as a feature's best node.
            if (nontrivial && f1 > feature_best[ju]) {
                feature_best[ju] = f1;
                out.best_node[ju] = v;
            }
        }
        block.node_f1[static_cast<size_t>(v)] = node_best;
        block.node_feature[static_cast<size_t>(v)] = node_feature;
    }
}

}  // namespace

Result<NodeAlignment> align_nodes(const Taxonomy& taxonomy, const ClassFiringCounts& counts,
                                  ProgressSink& progress, const CancelToken& cancel) {
    if (counts.classes != taxonomy.class_count()) {
        return fail(ErrorCode::ShapeMismatch,
                    "taxonomy alignment: the counts have " + std::to_string(counts.classes) +
                        " classes, the taxonomy " + std::to_string(taxonomy.class_count()));
    }
    const int64_t d = counts.d_sae;
    const int nodes = taxonomy.node_count();
    std::vector<int64_t> fires(static_cast<size_t>(d), 0);
    for (int64_t c = 0; c < counts.classes; ++c) {
        const int64_t* row = counts.fire + c * d;
        for (int64_t j = 0; j < d; ++j) {
            fires[static_cast<size_t>(j)] += row[j];
        }
    }
    std::vector<int64_t> positives(static_cast<size_t>(nodes), 0);
    for (int v = 0; v < nodes; ++v) {
        taxonomy.classes_under(v).for_each(
            [&](int c) { positives[static_cast<size_t>(v)] += counts.class_sizes[c]; });
    }
    const std::vector<RollUp> plan = roll_up_plan(taxonomy);
    const int64_t blocks = (d + kFeatureBlock - 1) / kFeatureBlock;
    NodeAlignment out;
    out.best_node.assign(static_cast<size_t>(d), -1);
    std::vector<double> feature_best(static_cast<size_t>(d), 0.0);
    std::vector<BlockBest> block_best(static_cast<size_t>(blocks));
    progress.begin("aligning features with the taxonomy", d, "features");
    // Threads own whole feature blocks: each writes only its features and its blocks' entries.
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
        std::vector<int64_t> tp;
        for (int64_t b = begin; b < end && !cancel.is_cancelled(); ++b) {
            const int64_t j0 = b * kFeatureBlock;
            const int64_t j1 = std::min(d, j0 + kFeatureBlock);
            align_block(taxonomy, plan, counts, fires, positives, j0, j1, tp,
                        block_best[static_cast<size_t>(b)], out, feature_best);
            progress.advance(j1 - j0);
        }
    });
    if (cancel.is_cancelled()) {
        return fail(cancel.cancelled_error("aligning features with the taxonomy"));
    }
    // Blocks merged in feature order with a strict comparison: a node's lowest best feature wins.
    out.node_best_feature.assign(static_cast<size_t>(nodes), -1);
    out.node_best_f1.assign(static_cast<size_t>(nodes), 0.0f);
    std::vector<double> node_best(static_cast<size_t>(nodes), 0.0);
    for (const BlockBest& block : block_best) {
        for (size_t v = 0; v < node_best.size(); ++v) {
            if (block.node_f1[v] > node_best[v]) {
                node_best[v] = block.node_f1[v];
                out.node_best_feature[v] = block.node_feature[v];
            }
        }
    }
    std::transform(node_best.begin(), node_best.end(), out.node_best_f1.begin(),
                   [](double f) { return static_cast<float>(f); });
    out.best_f1.resize(feature_best.size());
    std::transform(feature_best.begin(), feature_best.end(), out.best_f1.begin(),
                   [](double f) { return static_cast<float>(f); });
    progress.finish();
    return out;
}

FeatureLch top_k_lch(const Taxonomy& taxonomy, const FeatureTopKTable& top_k,
                     const std::vector<int32_t>& labels, double robust_fraction) {
    FeatureLch out;
    const auto d = static_cast<size_t>(top_k.d_sae);
    out.lch_node.assign(d, -1);
    out.lch_height.assign(d, -1);
    out.robust_lch_node.assign(d, -1);
    // Features are independent: threads own ranges of them.
    at::parallel_for(0, top_k.d_sae, 256, [&](int64_t begin, int64_t end) {
        std::vector<int> classes;
        std::vector<ClassMass> masses;
        for (int64_t j = begin; j < end; ++j) {
            classes.clear();
            masses.clear();
            const int64_t filled = top_k.filled[static_cast<size_t>(j)];
            for (int64_t s = 0; s < filled; ++s) {
                const auto at = static_cast<size_t>(j * top_k.k + s);
                const int32_t c = labels[static_cast<size_t>(top_k.rows[at])];
                if (c < 0) {
                    continue;
                }
                classes.push_back(c);
                masses.push_back({c, static_cast<double>(top_k.values[at])});
            }
            if (classes.empty()) {
                continue;
            }
            const int lch = taxonomy.lch(classes);
            out.lch_node[static_cast<size_t>(j)] = lch;
            out.lch_height[static_cast<size_t>(j)] = lch >= 0 ? taxonomy.height(lch) : -1;
            out.robust_lch_node[static_cast<size_t>(j)] =
                taxonomy.robust_lch(masses, robust_fraction);
        }
    });
    return out;
}

Coverage ontological_coverage(const Taxonomy& taxonomy, const std::vector<float>& node_best_f1,
                              double theta) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Coverage out;
    const int max_height = taxonomy.node_count() > 0 ? taxonomy.height(taxonomy.root()) : 0;
    std::vector<int64_t> covered(static_cast<size_t>(max_height + 1), 0);
    out.nodes_by_height.assign(static_cast<size_t>(max_height + 1), 0);
    int64_t total = 0;
    int64_t total_covered = 0;
    for (int v : taxonomy.nontrivial_nodes()) {
        const auto h = static_cast<size_t>(taxonomy.height(v));
        const bool hit = node_best_f1[static_cast<size_t>(v)] >= theta;
        out.nodes_by_height[h] += 1;
        covered[h] += hit ? 1 : 0;
        total += 1;
        total_covered += hit ? 1 : 0;
    }
    out.overall = total > 0 ? static_cast<double>(total_covered) / static_cast<double>(total) : nan;
    out.by_height.resize(covered.size());
    for (size_t h = 0; h < covered.size(); ++h) {
        out.by_height[h] =
            out.nodes_by_height[h] > 0
                ? static_cast<double>(covered[h]) / static_cast<double>(out.nodes_by_height[h])
                : nan;
    }
    return out;
}

}  // namespace taxoscope::core
