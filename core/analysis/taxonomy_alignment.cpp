#include "core/analysis/taxonomy_alignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <ATen/Parallel.h>

namespace taxoscope::core {
namespace {

// One thread's share of the node loop: nodes [begin, end) and the best node per feature among
// them.
struct NodeRange {
    int begin = 0;
    int end = 0;
    std::vector<double> best_f1;
    std::vector<int32_t> best_node;
};

void align_range(const Taxonomy& taxonomy, const ClassFiringCounts& counts,
                 const std::vector<int64_t>& fires, NodeRange& range, NodeAlignment& out,
                 ProgressSink& progress, const CancelToken& cancel) {
    const int64_t d = counts.d_sae;
    std::vector<int64_t> tp(static_cast<size_t>(d));
    range.best_f1.assign(static_cast<size_t>(d), 0.0);
    range.best_node.assign(static_cast<size_t>(d), -1);
    for (int v = range.begin; v < range.end; ++v) {
        if (cancel.is_cancelled()) {
            return;
        }
        // Summing the class rows of the node's class set counts every image once, whichever
        // paths its class reaches v by.
        std::fill(tp.begin(), tp.end(), 0);
        int64_t positives = 0;
        taxonomy.classes_under(v).for_each([&](int c) {
            const int64_t* row = counts.fire + static_cast<int64_t>(c) * d;
            for (int64_t j = 0; j < d; ++j) {
                tp[static_cast<size_t>(j)] += row[j];
            }
            positives += counts.class_sizes[c];
        });
        double node_best = 0.0;
        int32_t node_feature = -1;
        const bool nontrivial = taxonomy.is_nontrivial(v);
        for (int64_t j = 0; j < d; ++j) {
            const auto ju = static_cast<size_t>(j);
            const int64_t denominator = fires[ju] + positives;
            const double f1 = denominator > 0 ? 2.0 * static_cast<double>(tp[ju]) /
                                                    static_cast<double>(denominator)
                                              : 0.0;
            if (f1 > node_best) {
                node_best = f1;
                node_feature = static_cast<int32_t>(j);
            }
            // Trivial nodes (the root's class set) detect every image: their F1 only says how
            // often a feature fires, so they never count as a feature's best node.
            if (nontrivial && f1 > range.best_f1[ju]) {
                range.best_f1[ju] = f1;
                range.best_node[ju] = v;
            }
        }
        out.node_best_feature[static_cast<size_t>(v)] = node_feature;
        out.node_best_f1[static_cast<size_t>(v)] = static_cast<float>(node_best);
        progress.advance(1);
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
    NodeAlignment out;
    out.node_best_feature.assign(static_cast<size_t>(nodes), -1);
    out.node_best_f1.assign(static_cast<size_t>(nodes), 0.0f);
    progress.begin("aligning features with the taxonomy", nodes, "nodes");
    // Nodes split into contiguous ranges, one per thread; merged in range order with a strict
    // comparison, so the lowest node index wins ties exactly as in a serial loop.
    const int threads = std::max(1, std::min(at::get_num_threads(), nodes));
    std::vector<NodeRange> ranges(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t) {
        ranges[static_cast<size_t>(t)].begin = static_cast<int>(int64_t{nodes} * t / threads);
        ranges[static_cast<size_t>(t)].end = static_cast<int>(int64_t{nodes} * (t + 1) / threads);
    }
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
            align_range(taxonomy, counts, fires, ranges[static_cast<size_t>(t)], out, progress,
                        cancel);
        }
    });
    if (cancel.is_cancelled()) {
        return fail(cancel.cancelled_error("aligning features with the taxonomy"));
    }
    std::vector<double> best(static_cast<size_t>(d), 0.0);
    out.best_node.assign(static_cast<size_t>(d), -1);
    for (const NodeRange& range : ranges) {
        for (size_t j = 0; j < best.size(); ++j) {
            if (range.best_f1[j] > best[j]) {
                best[j] = range.best_f1[j];
                out.best_node[j] = range.best_node[j];
            }
        }
    }
    out.best_f1.resize(best.size());
    std::transform(best.begin(), best.end(), out.best_f1.begin(),
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
    std::vector<int> classes;
    std::vector<ClassMass> masses;
    for (int64_t j = 0; j < top_k.d_sae; ++j) {
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
        out.robust_lch_node[static_cast<size_t>(j)] = taxonomy.robust_lch(masses, robust_fraction);
    }
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
