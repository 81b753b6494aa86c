#include "core/analysis/layer_analysis.h"

#include <algorithm>
#include <limits>

#include "core/analysis/feature_statistics.h"
#include "core/analysis/reconstruction_error.h"
#include "core/analysis/seeded_shuffle.h"
#include "core/analysis/taxonomy_alignment.h"
#include "core/compute/feature_top_k.h"
#include "core/compute/sparse_codes.h"
#include "core/sae/activation_rows.h"
#include "core/sae/sae_io.h"

namespace taxoscope::core {
namespace {

Result<void> check_inputs(const LayerInputs& in, int64_t rows, int64_t width, const Sae& sae) {
    const std::string where = in.activations.string();
    if (width != sae.config().d_in) {
        return fail(ErrorCode::ShapeMismatch, where + ": rows are " + std::to_string(width) +
                                                  " wide but the SAE in " + in.sae.string() +
                                                  " has d_in " + std::to_string(sae.config().d_in));
    }
    if (static_cast<int64_t>(in.labels.size()) != rows ||
        static_cast<int64_t>(in.splits.size()) != rows) {
        return fail(ErrorCode::ShapeMismatch, where + ": " + std::to_string(rows) + " rows but " +
                                                  std::to_string(in.labels.size()) + " labels");
    }
    const int classes = in.taxonomy->class_count();
    for (size_t i = 0; i < in.labels.size(); ++i) {
        if (in.labels[i] < -1 || in.labels[i] >= classes) {
            return fail(ErrorCode::InvalidArgument,
                        "row " + std::to_string(i) + ": label " + std::to_string(in.labels[i]) +
                            " is outside the taxonomy's " + std::to_string(classes) + " classes");
        }
    }
    return {};
}

// The row pointer the encode stream last read, so the visitor can compare rows with their
// reconstruction.
struct RememberingSource {
    RowSource inner;
    const float* last = nullptr;

    RowSource source() {
        RowSource out;
        out.rows = inner.rows;
        out.read = [this](int64_t first, int64_t count,
                          std::vector<float>& scratch) -> Result<const float*> {
            auto rows = inner.read(first, count, scratch);
            if (rows) {
                last = *rows;
            }
            return rows;
        };
        return out;
    }
};

}  // namespace

nlohmann::json AnalysisOptions::parameters() const {
    return {{"k", k},
            {"theta", theta},
            {"tau", tau},
            {"seed", seed},
            {"precision", std::string(to_string(precision))},
            {"robust_lch_fraction", robust_fraction},
            {"hist",
             {{"bins", kHistBins},
              {"bins_per_decade", kHistBinsPerDecade},
              {"first_edge", "1e" + std::to_string(kHistFirstExponent)}}},
            {"probe", run_probe ? probe.to_json() : nlohmann::json("skipped")}};
}

std::vector<int32_t> shuffled_labels(const std::vector<int32_t>& labels, uint64_t seed) {
    std::vector<int32_t> values;
    for (int32_t c : labels) {
        if (c >= 0) {
            values.push_back(c);
        }
    }
    seeded_shuffle(values, seed);
    std::vector<int32_t> out(labels.size(), -1);
    size_t next = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] >= 0) {
            out[i] = values[next++];
        }
    }
    return out;
}

Result<LayerResult> analyze_layer(const LayerInputs& in, const AnalysisOptions& options,
                                  ProgressSink& progress, const CancelToken& cancel) {
    if (in.taxonomy == nullptr) {
        return fail(ErrorCode::InvalidArgument, "analyze_layer: no taxonomy");
    }
    if (options.k < 1) {
        return fail(ErrorCode::InvalidArgument, "top-k must be at least 1");
    }
    if (!(options.tau >= 0.0f)) {
        return fail(ErrorCode::InvalidArgument,
                    "tau must be >= 0: SAE codes are never negative, so a negative tau would make "
                    "every feature fire on every image");
    }
    const Taxonomy& taxonomy = *in.taxonomy;
    auto file = open_activation_file(in.activations);
    if (!file) {
        return fail(file.error());
    }
    auto sae = load_sae(in.sae);
    if (!sae) {
        return fail(sae.error());
    }
    const int64_t rows = file->header().shape[0];
    if (auto ok = check_inputs(in, rows, file->header().shape[1], *sae); !ok) {
        return fail(ok.error());
    }
    KernelOptions compute;
    compute.precision = options.precision;
    compute.device = options.device;
    compute.bf16_screen = options.bf16_screen ? Bf16Screen::Auto : Bf16Screen::Off;
    auto kernel = sae->make_kernel(compute);
    if (!kernel) {
        return fail(kernel.error());
    }
    const int64_t d = kernel->d_sae();
    const int64_t classes = taxonomy.class_count();
    const std::vector<int32_t> baseline = shuffled_labels(in.labels, options.seed);

    // The one pass: every encoded block's non-zero codes, gathered once, feed the statistics,
    // the top-k and the FVU.
    FeatureStatisticsAccumulator statistics(d, classes, options.tau, options.parallel_statistics);
    FeatureTopK top_k(d, options.k, options.tau);
    ReconstructionAccumulator reconstruction(*sae, *kernel);
    RememberingSource source{activation_row_source(*file)};
    // Only the non-zero codes are needed: the kernel collects them while forming the codes and
    // writes no dense block.
    StreamOutput output;
    output.dense = false;
    output.sparse = true;
    auto visit = [&](const EncodedBlock& block) -> Result<void> {
        const SparseCodes& codes = *block.sparse;
        if (auto ok = statistics.add(codes, in.labels.data(), baseline.data()); !ok) {
            return ok;
        }
        if (auto ok = top_k.add(codes); !ok) {
            return ok;
        }
        return reconstruction.add(source.last, block, codes);
    };
    if (auto ok = kernel->encode_stream(source.source(), visit, progress, cancel, output); !ok) {
        return fail(ok.error().with_context("layer " + in.layer));
    }
    reconstruction.finish();
    FeatureStatistics s = statistics.take();
    const FeatureTopKTable table = top_k.table();

    std::vector<int64_t> class_size(static_cast<size_t>(classes), 0);
    for (int32_t c : in.labels) {
        if (c >= 0) {
            class_size[static_cast<size_t>(c)] += 1;
        }
    }
    auto aligned = align_nodes(taxonomy, {classes, d, s.class_fire.data(), class_size.data()},
                               progress, cancel);
    if (!aligned) {
        return fail(aligned.error());
    }
    auto aligned_baseline = align_nodes(
        taxonomy, {classes, d, s.class_fire_baseline.data(), class_size.data()}, progress, cancel);
    if (!aligned_baseline) {
        return fail(aligned_baseline.error());
    }
    FeatureLch lch = top_k_lch(taxonomy, table, in.labels, options.robust_fraction);
    const Coverage coverage = ontological_coverage(taxonomy, aligned->node_best_f1, options.theta);
    const Coverage coverage_baseline =
        ontological_coverage(taxonomy, aligned_baseline->node_best_f1, options.theta);

    ProbeResult probe;
    probe.accuracy = std::numeric_limits<double>::quiet_NaN();
    if (options.run_probe) {
        auto probed =
            run_linear_probe(*file, in.labels, in.splits, classes, options.probe, progress, cancel);
        if (!probed) {
            return fail(probed.error().with_context("layer " + in.layer));
        }
        probe = *probed;
        if (!probe.note.empty()) {
            progress.note("layer " + in.layer + ": " + probe.note);
        }
    }

    LayerResult out;
    LayerSummary& summary = out.summary;
    summary.layer = in.layer;
    summary.rows = rows;
    summary.d_sae = d;
    summary.probe_acc = probe.accuracy;
    summary.probe_train_rows = probe.train_rows;
    summary.probe_test_rows = probe.test_rows;
    summary.probe_split_from_table = probe.split_from_table;
    summary.fvu = reconstruction.fvu();
    int64_t fires = 0;
    int64_t dead = 0;
    for (int64_t f : s.fire_count) {
        fires += f;
        dead += f == 0 ? 1 : 0;
    }
    summary.l0 = rows > 0 ? static_cast<double>(fires) / static_cast<double>(rows)
                          : std::numeric_limits<double>::quiet_NaN();
    summary.dead_frac = d > 0 ? static_cast<double>(dead) / static_cast<double>(d) : 0.0;
    summary.coverage = coverage.overall;
    summary.coverage_baseline = coverage_baseline.overall;
    summary.coverage_by_height = coverage.by_height;
    summary.coverage_baseline_by_height = coverage_baseline.by_height;
    summary.nontrivial_nodes_by_height = coverage.nodes_by_height;
    summary.parameters = options.parameters();

    LayerAnalysis& a = out.analysis;
    a.d_sae = d;
    a.k = table.k;
    a.classes = classes;
    a.nodes = taxonomy.node_count();
    a.bins = kHistBins;
    a.topk_values = table.values;
    a.topk_indices = table.rows;
    a.fire_count = std::move(s.fire_count);
    a.act_sum = std::move(s.act_sum);
    a.act_sq_sum = std::move(s.act_sq_sum);
    a.act_max = std::move(s.act_max);
    a.hist = std::move(s.hist);
    a.hist_edges = histogram_edges();
    a.class_fire = std::move(s.class_fire);
    a.class_sum = std::move(s.class_sum);
    a.class_size = std::move(class_size);
    a.best_node = std::move(aligned->best_node);
    a.best_f1 = std::move(aligned->best_f1);
    a.lch_node = std::move(lch.lch_node);
    a.lch_height = std::move(lch.lch_height);
    a.robust_lch_node = std::move(lch.robust_lch_node);
    a.node_best_feature = std::move(aligned->node_best_feature);
    a.node_best_f1 = std::move(aligned->node_best_f1);
    a.node_best_feature_baseline = std::move(aligned_baseline->node_best_feature);
    a.node_best_f1_baseline = std::move(aligned_baseline->node_best_f1);
    a.metadata["layer"] = in.layer;
    a.metadata["parameters"] = summary.parameters.dump();
    a.metadata["summary"] = summary.to_json().dump();
    return out;
}

}  // namespace taxoscope::core
