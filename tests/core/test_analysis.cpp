// The analysis engine on a planted workspace (tests/support/planted_workspace.h): planted
// features land on their nodes, every streamed statistic equals a brute-force computation over
// the dense codes, the roll-up F1 equals a per-image count on random DAGs, coverage beats the
// shuffled baseline, and bad input gets clear errors.
#include <QtTest>

#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>

#include "core/analysis/analysis_file.h"
#include "core/analysis/feature_statistics.h"
#include "core/analysis/layer_analysis.h"
#include "core/analysis/probe_objective_torch.h"
#include "core/analysis/reconstruction_error.h"
#include "core/analysis/taxonomy_alignment.h"
#include "core/analysis/workspace_analysis.h"
#include "core/compute/feature_top_k.h"
#include "core/sae/activation_rows.h"
#include "core/sae/sae_io.h"
#include "core/store/npy_file.h"
#include "core/store/safetensors_file.h"
#include "core/taxonomy/custom_taxonomy.h"
#include "core/util/threads.h"
#include "support/planted_workspace.h"

using namespace taxoscope::core;
using taxoscope::test::PlantedWorkspace;
using taxoscope::test::write_planted_workspace;
namespace fs = std::filesystem;

namespace {

struct Analysed {
    Taxonomy taxonomy;
    LayerOutcome outcome;
};

Result<Analysed> analyse(const PlantedWorkspace& ws, const AnalysisOptions& options,
                         bool force = false, ProgressSink* progress = nullptr,
                         const CancelToken& cancel = CancelToken()) {
    NullProgress quiet;
    ProgressSink& sink = progress != nullptr ? *progress : quiet;
    auto workspace = Workspace::open(ws.root);
    if (!workspace) {
        return fail(workspace.error());
    }
    auto taxonomy = workspace_taxonomy(*workspace, ws.taxonomy_tsv, sink, cancel);
    if (!taxonomy) {
        return fail(taxonomy.error());
    }
    auto labels = workspace_labels(*workspace, *taxonomy);
    if (!labels) {
        return fail(labels.error());
    }
    auto outcome = analyze_workspace_layer(*workspace, ws.layer, *taxonomy, *labels, options, force,
                                           sink, cancel);
    if (!outcome) {
        return fail(outcome.error());
    }
    return Analysed{std::move(*taxonomy), std::move(*outcome)};
}

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Dense codes of the whole layer, by the kernel's plain encode.
std::vector<float> dense_codes(const PlantedWorkspace& ws, int64_t& d_sae) {
    const WorkspacePaths paths(ws.root);
    auto sae = load_sae(paths.sae_dir(ws.layer)).value();
    auto kernel = sae.make_kernel().value();
    auto file = open_activation_file(paths.activations(ws.layer)).value();
    std::vector<float> x(static_cast<size_t>(ws.rows * 8));
    copy_rows_as_float(file, 0, ws.rows, x.data());
    d_sae = kernel.d_sae();
    std::vector<float> z(static_cast<size_t>(ws.rows * d_sae));
    (void)kernel.encode(x.data(), ws.rows, z.data());
    return z;
}

// FVU of reconstructions y of rows x ([n, d] each), with the mean taken first (two passes).
double direct_fvu(const std::vector<float>& x, const std::vector<float>& y, int64_t n, int64_t d) {
    double residual = 0.0;
    double variance = 0.0;
    for (int64_t k = 0; k < d; ++k) {
        double mean = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            mean += x[static_cast<size_t>(i * d + k)];
        }
        mean /= static_cast<double>(n);
        for (int64_t i = 0; i < n; ++i) {
            const auto at = static_cast<size_t>(i * d + k);
            residual += (x[at] - static_cast<double>(y[at])) * (x[at] - static_cast<double>(y[at]));
            variance += (x[at] - mean) * (x[at] - mean);
        }
    }
    return residual / variance;
}

// F1 of node v for a firing pattern, counted image by image.
double brute_f1(const Taxonomy& t, int v, const std::vector<int32_t>& labels,
                const std::vector<uint8_t>& fires) {
    int64_t tp = 0;
    int64_t fp = 0;
    int64_t fn = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
        const bool positive = t.is_ancestor_or_self(v, t.class_leaf(labels[i]));
        tp += positive && fires[i] ? 1 : 0;
        fp += !positive && fires[i] ? 1 : 0;
        fn += positive && !fires[i] ? 1 : 0;
    }
    return 2 * tp + fp + fn > 0
               ? 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn)
               : 0.0;
}

// A random DAG over `classes` classes: internal node i has one or two parents among the nodes
// before it, each class one or two internal parents.
std::string random_taxonomy(std::mt19937& gen, int classes, int internal) {
    std::string text = "[classes]\n";
    for (int c = 0; c < classes; ++c) {
        text += "c" + std::to_string(c) + "\n";
    }
    text += "[edges]\n";
    for (int i = 1; i < internal; ++i) {
        const int a = static_cast<int>(gen() % static_cast<unsigned>(i));
        text += "n" + std::to_string(i) + "\tn" + std::to_string(a) + "\n";
        const int b = static_cast<int>(gen() % static_cast<unsigned>(i));
        if (b != a && gen() % 3 == 0) {
            text += "n" + std::to_string(i) + "\tn" + std::to_string(b) + "\n";
        }
    }
    for (int c = 0; c < classes; ++c) {
        const int a = static_cast<int>(gen() % static_cast<unsigned>(internal));
        text += "c" + std::to_string(c) + "\tn" + std::to_string(a) + "\n";
        const int b = static_cast<int>(gen() % static_cast<unsigned>(internal));
        if (b != a && gen() % 2 == 0) {
            text += "c" + std::to_string(c) + "\tn" + std::to_string(b) + "\n";
        }
    }
    return text;
}

}  // namespace

class TestAnalysis : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;

    PlantedWorkspace fresh(const std::string& name, int64_t rows = 400, bool half = false) {
        return write_planted_workspace(fs::path(dir_.path().toStdString()) / name, rows, half);
    }

    void sparse_reconstruction_case(int64_t d_in) {
        // More rows than one sparse decode batch (4,096), so rows are decoded both while the
        // blocks arrive and at finish().
        const int64_t n = 4500;
        const int64_t d_sae = 256;
        std::mt19937 gen(9);
        std::normal_distribution<float> normal;
        SaeConfig config;
        config.d_in = d_in;
        config.d_sae = d_sae;
        config.activation_scale = 2.5;
        SaeWeights w;
        // Pre-activations keep the same spread whatever the width, so -5 keeps them sparse.
        const float spread = 1.0f / std::sqrt(static_cast<float>(d_in));
        for (int64_t k = 0; k < d_in * d_sae; ++k) {
            w.w_enc.push_back(normal(gen) * spread);
            w.w_dec.push_back(normal(gen) / 4.0f);
        }
        w.b_enc.assign(static_cast<size_t>(d_sae), -5.0f);
        for (int64_t k = 0; k < d_in; ++k) {
            w.b_dec.push_back(normal(gen));
        }
        const Sae sae = Sae::create(config, w, "sparse SAE").value();
        const SaeKernel kernel = sae.make_kernel().value();
        std::vector<float> x(static_cast<size_t>(n * d_in));
        for (float& v : x) {
            v = normal(gen);
        }
        std::vector<float> z(static_cast<size_t>(n * d_sae));
        QVERIFY(kernel.encode(x.data(), n, z.data()).has_value());
        ReconstructionAccumulator acc(sae, kernel);
        for (int64_t first = 0; first < n; first += 100) {
            QVERIFY(acc.add(x.data() + first * d_in,
                            EncodedBlock{first, 100, d_sae, z.data() + first * d_sae})
                        .has_value());
        }
        QVERIFY(acc.sparse());
        QVERIFY(std::isnan(acc.fvu()));  // rows still buffered: no figure yet
        acc.finish();
        std::vector<float> y(x.size());
        QVERIFY(kernel.decode(z.data(), n, y.data()).has_value());
        const double fvu = direct_fvu(x, y, n, d_in);
        QVERIFY2(std::abs(acc.fvu() - fvu) < 1e-5 * fvu,
                 qPrintable(QString("sparse %1, dense %2").arg(acc.fvu()).arg(fvu)));
    }

  private Q_SLOTS:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void planted_features_land_on_their_nodes() {
        const PlantedWorkspace ws = fresh("planted");
        auto r = analyse(ws, AnalysisOptions{});
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        const Taxonomy& t = r->taxonomy;
        auto a = load_layer_analysis(WorkspacePaths(ws.root).analysis(ws.layer));
        QVERIFY2(a.has_value(), a ? "" : a.error().message.c_str());
        const int pet = t.find("pet").value();
        const int vehicle = t.find("vehicle").value();
        const int canine = t.find("canine").value();
        QVERIFY(t.parents(t.class_leaf(0)).size() == 2);  // cat: feline and pet

        // Feature 0 fires exactly on cat and dog rows: pet, F1 = 1, LCH = robust LCH = pet.
        QCOMPARE(a->best_node[0], pet);
        QCOMPARE(a->best_f1[0], 1.0f);
        QCOMPARE(a->lch_node[0], pet);
        QCOMPARE(a->lch_height[0], t.height(pet));
        QCOMPARE(a->robust_lch_node[0], pet);
        QCOMPARE(a->node_best_f1[static_cast<size_t>(pet)], 1.0f);
        QCOMPARE(a->node_best_feature[static_cast<size_t>(pet)], 0);
        // The random half: low F1, and its top-k spans classes of both subtrees.
        QVERIFY(a->best_f1[1] < 0.6f);
        QCOMPARE(a->lch_node[1], t.root());
        QCOMPARE(a->best_node[2], vehicle);
        QCOMPARE(a->best_f1[2], 1.0f);
        QCOMPARE(a->best_node[9], canine);
        // The dead feature.
        QCOMPARE(a->fire_count[3], int64_t{0});
        QCOMPARE(a->best_node[3], -1);
        QCOMPARE(a->lch_node[3], -1);
        // One feature per class. cat's leaf and feline hold the same class set: the tie goes to
        // the lower node index, feline.
        QCOMPARE(a->best_node[4], t.find("feline").value());
        for (int c = 1; c < 5; ++c) {
            QCOMPARE(a->best_node[static_cast<size_t>(4 + c)], t.class_leaf(c));
            QCOMPARE(a->best_f1[static_cast<size_t>(4 + c)], 1.0f);
        }
        const LayerSummary& s = r->outcome.summary;
        QCOMPARE(s.dead_frac, 0.1);
        QVERIFY(s.coverage > 0.99);
        QVERIFY2(s.coverage > s.coverage_baseline + 0.3,
                 qPrintable(
                     QString("coverage %1, baseline %2").arg(s.coverage).arg(s.coverage_baseline)));
        QCOMPARE(static_cast<int>(s.coverage_by_height.size()), t.height(t.root()) + 1);
        QVERIFY(s.probe_acc > 0.95);
        QVERIFY(s.probe_split_from_table);
        QCOMPARE(s.probe_train_rows, int64_t{300});

        auto summary = read_analysis_summary(WorkspacePaths(ws.root).analysis_summary());
        QVERIFY(summary.has_value());
        QCOMPARE(summary->layers.count(ws.layer), size_t{1});
        QCOMPARE(summary->layers.at(ws.layer).coverage, s.coverage);
        QVERIFY(fs::exists(WorkspacePaths(ws.root).taxonomy()));

        // A workspace-wide entry survives later layer updates; the file's own keys are refused.
        const auto summary_file = WorkspacePaths(ws.root).analysis_summary();
        QVERIFY(set_analysis_summary_entry(summary_file, "model_test_acc", 0.875).has_value());
        QVERIFY(update_analysis_summary(summary_file, s).has_value());
        auto again = read_analysis_summary(summary_file);
        QVERIFY(again.has_value());
        QCOMPARE(again->extra.value("model_test_acc", -1.0), 0.875);
        QCOMPARE(again->layers.size(), summary->layers.size());
        QVERIFY(!set_analysis_summary_entry(summary_file, "layers", 1).has_value());
    }

    void statistics_equal_brute_force() {
        for (bool half : {false, true}) {
            const PlantedWorkspace ws = fresh(half ? "brute16" : "brute32", 300, half);
            AnalysisOptions options;
            options.k = 7;
            options.tau = 0.1f;
            options.run_probe = false;
            auto r = analyse(ws, options);
            QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
            auto a = load_layer_analysis(WorkspacePaths(ws.root).analysis(ws.layer)).value();
            int64_t d = 0;
            const std::vector<float> z = dense_codes(ws, d);
            QCOMPARE(a.d_sae, d);
            const int64_t n = ws.rows;
            int64_t fires = 0;
            for (int64_t j = 0; j < d; ++j) {
                // Top-k by a full sort: value descending, row ascending, only z > tau.
                std::vector<int64_t> order;
                for (int64_t i = 0; i < n; ++i) {
                    if (z[static_cast<size_t>(i * d + j)] > options.tau) {
                        order.push_back(i);
                    }
                }
                std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
                    return z[static_cast<size_t>(x * d + j)] > z[static_cast<size_t>(y * d + j)];
                });
                QCOMPARE(a.fire_count[static_cast<size_t>(j)], static_cast<int64_t>(order.size()));
                fires += static_cast<int64_t>(order.size());
                for (int64_t s = 0; s < options.k; ++s) {
                    const auto at = static_cast<size_t>(j * options.k + s);
                    const int64_t expect =
                        s < static_cast<int64_t>(order.size()) ? order[static_cast<size_t>(s)] : -1;
                    QCOMPARE(a.topk_indices[at], expect);
                }
                double sum = 0.0;
                double sq = 0.0;
                float mx = 0.0f;
                std::vector<int64_t> hist(kHistBins, 0);
                std::vector<int64_t> per_class(5, 0);
                std::vector<double> per_class_sum(5, 0.0);
                for (int64_t i : order) {
                    const float v = z[static_cast<size_t>(i * d + j)];
                    sum += v;
                    sq += static_cast<double>(v) * v;
                    mx = std::max(mx, v);
                    hist[static_cast<size_t>(histogram_bin(v))] += 1;
                    per_class[static_cast<size_t>(ws.labels[static_cast<size_t>(i)])] += 1;
                    per_class_sum[static_cast<size_t>(ws.labels[static_cast<size_t>(i)])] += v;
                }
                QVERIFY(std::abs(a.act_sum[static_cast<size_t>(j)] - sum) < 1e-6 * (1 + sum));
                QVERIFY(std::abs(a.act_sq_sum[static_cast<size_t>(j)] - sq) < 1e-6 * (1 + sq));
                QCOMPARE(a.act_max[static_cast<size_t>(j)], mx);
                for (int b = 0; b < kHistBins; ++b) {
                    QCOMPARE(a.hist[static_cast<size_t>(j * kHistBins + b)],
                             hist[static_cast<size_t>(b)]);
                }
                for (int c = 0; c < 5; ++c) {
                    QCOMPARE(a.class_fire[static_cast<size_t>(c * d + j)],
                             per_class[static_cast<size_t>(c)]);
                    const double class_sum = per_class_sum[static_cast<size_t>(c)];
                    QVERIFY(std::abs(a.class_sum[static_cast<size_t>(c * d + j)] - class_sum) <
                            1e-6 * (1 + class_sum));
                }
            }
            QVERIFY(std::abs(r->outcome.summary.l0 - static_cast<double>(fires) / n) < 1e-12);
            QCOMPARE(a.hist_edges.size(), size_t{kHistBins + 1});
            QVERIFY(std::abs(a.hist_edges[4] - 1e-3) < 1e-15);

            // FVU against a dense decode of the same codes.
            const WorkspacePaths paths(ws.root);
            auto sae = load_sae(paths.sae_dir(ws.layer)).value();
            auto kernel = sae.make_kernel().value();
            auto file = open_activation_file(paths.activations(ws.layer)).value();
            std::vector<float> x(static_cast<size_t>(n * 8));
            copy_rows_as_float(file, 0, n, x.data());
            std::vector<float> y(x.size());
            QVERIFY(kernel.decode(z.data(), n, y.data()).has_value());
            const double fvu = direct_fvu(x, y, n, 8);
            QVERIFY2(std::abs(r->outcome.summary.fvu - fvu) < 1e-5,
                     qPrintable(QString("fvu %1 vs %2").arg(r->outcome.summary.fvu).arg(fvu)));
        }
    }

    void sparse_reconstruction_matches_dense_decode() {
        // ~2% of the codes fire: the accumulator adds decoder rows instead of a dense product.
        // A folded activation scale checks that the sparse route returns to the input's scale.
        // Widths below, at and across the decoder's 16-column slices (75 = four full + a tail).
        for (const int64_t d_in : {8, 16, 75}) {
            sparse_reconstruction_case(d_in);
        }
    }

    void results_do_not_depend_on_the_thread_count() {
        // Sized so that every parallel part of the pass really splits on two threads: more
        // features than one statistics/top-k chunk (1,024), several decoder slices, more rows
        // than one sparse decode batch, and more nodes than threads.
        if (available_cores() < 2) {
            QSKIP("one core: nothing to split over");
        }
        const int64_t n = 1500;
        const int64_t d_in = 300;
        const int64_t d_sae = 2304;
        const fs::path root = fs::path(dir_.path().toStdString()) / "threads";
        fs::create_directories(root);
        // Every value is a small multiple of 1/8, so every sum the pass forms is exact in any
        // order: the GEMM's own blocking cannot differ between the runs, and any difference
        // left is a share of the work lost or counted twice.
        std::mt19937 gen(21);
        auto eighths = [&gen](int range, int zero_weight) {
            const int v =
                static_cast<int>(gen() % static_cast<unsigned>(2 * range + 1 + zero_weight));
            return v < 2 * range + 1 ? static_cast<float>(v - range) / 8.0f : 0.0f;
        };
        SaeConfig config;
        config.d_in = d_in;
        config.d_sae = d_sae;
        SaeWeights w;
        for (int64_t k = 0; k < d_in * d_sae; ++k) {
            w.w_enc.push_back(eighths(1, 24));  // ~10% non-zero
            w.w_dec.push_back(eighths(2, 0));
        }
        w.b_enc.assign(static_cast<size_t>(d_sae), -2.0f);  // ~2% of the codes fire
        w.b_dec.assign(static_cast<size_t>(d_in), 0.125f);
        const Sae sae = Sae::create(config, w, "threads").value();
        QVERIFY(save_sae(root / "sae", sae).has_value());
        std::vector<float> x(static_cast<size_t>(n * d_in));
        for (float& v : x) {
            v = static_cast<float>(static_cast<int>(gen() % 5) - 2);
        }
        auto writer = NpyRowWriter::create(root / "acts.npy", DType::F32, d_in);
        QVERIFY(writer.has_value());
        QVERIFY(writer->append(x.data(), n).has_value());
        QVERIFY(writer->finish().has_value());
        auto taxonomy = parse_custom_taxonomy(random_taxonomy(gen, 40, 12), "threads");
        QVERIFY2(taxonomy.has_value(), taxonomy ? "" : taxonomy.error().message.c_str());
        LayerInputs in;
        in.layer = "threads";
        in.activations = root / "acts.npy";
        in.sae = root / "sae";
        in.taxonomy = &*taxonomy;
        for (int64_t i = 0; i < n; ++i) {
            in.labels.push_back(static_cast<int32_t>(gen() % 40));
            in.splits.push_back(i % 4 == 0 ? RowSplit::Heldout : RowSplit::Train);
        }
        AnalysisOptions options;
        options.run_probe = false;
        const int before = current_thread_count();
        std::vector<LayerResult> results;
        for (const int threads : {1, 2}) {
            apply_thread_count(threads);
            QCOMPARE(parallel_loop_width(), threads);
            NullProgress quiet;
            auto r = analyze_layer(in, options, quiet, CancelToken());
            QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
            results.push_back(std::move(*r));
        }
        apply_thread_count(before);
        const LayerAnalysis& one = results[0].analysis;
        const LayerAnalysis& two = results[1].analysis;
        QVERIFY(one.fire_count == two.fire_count);
        const int64_t fired =
            std::accumulate(one.fire_count.begin(), one.fire_count.end(), int64_t{0});
        QVERIFY2(fired > n * d_sae / 200 && fired < n * d_sae / 20,
                 qPrintable(QString("%1 codes fired").arg(fired)));
        QVERIFY(one.act_sum == two.act_sum);
        QVERIFY(one.act_sq_sum == two.act_sq_sum);
        QVERIFY(one.hist == two.hist);
        QVERIFY(one.class_fire == two.class_fire);
        QVERIFY(one.class_sum == two.class_sum);
        QVERIFY(one.topk_values == two.topk_values);
        QVERIFY(one.topk_indices == two.topk_indices);
        QVERIFY(one.best_node == two.best_node);
        QVERIFY(one.best_f1 == two.best_f1);
        QVERIFY(one.node_best_feature == two.node_best_feature);
        QVERIFY(one.node_best_f1 == two.node_best_f1);
        QVERIFY(one.node_best_feature_baseline == two.node_best_feature_baseline);
        QVERIFY(one.lch_node == two.lch_node);
        QVERIFY(one.robust_lch_node == two.robust_lch_node);
        // Every feature's LCH, threads or not, is the taxonomy's LCH of its top-k classes.
        int64_t with_lch = 0;
        for (int64_t j = 0; j < d_sae; ++j) {
            std::vector<int> classes;
            for (int64_t s = 0; s < two.k; ++s) {
                const int64_t row = two.topk_indices[static_cast<size_t>(j * two.k + s)];
                if (row >= 0) {
                    classes.push_back(in.labels[static_cast<size_t>(row)]);
                }
            }
            const int expected = classes.empty() ? -1 : taxonomy->lch(classes);
            with_lch += expected >= 0 ? 1 : 0;
            QCOMPARE(two.lch_node[static_cast<size_t>(j)], expected);
        }
        QVERIFY(with_lch > d_sae / 2);
        QVERIFY(std::isfinite(results[0].summary.fvu));
        QCOMPARE(results[0].summary.fvu, results[1].summary.fvu);
        QCOMPARE(results[0].summary.coverage, results[1].summary.coverage);
    }

    void negative_tau_is_refused() {
        const PlantedWorkspace ws = fresh("negative_tau", 50);
        AnalysisOptions options;
        options.tau = -0.5f;
        options.run_probe = false;
        auto r = analyse(ws, options);
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.find("tau") != std::string::npos, r.error().message.c_str());
        FeatureTopK top(4, 2, -0.5f);
        const std::vector<float> z(4, 0.0f);
        QVERIFY(!top.add(EncodedBlock{0, 1, 4, z.data()}).has_value());
    }

    void histogram_bins_follow_the_edges() {
        const std::vector<double> edges = histogram_edges();
        for (int b = 0; b < kHistBins; ++b) {
            const double mid =
                std::sqrt(edges[static_cast<size_t>(b)] * edges[static_cast<size_t>(b + 1)]);
            QCOMPARE(histogram_bin(static_cast<float>(mid)), b);
        }
        QCOMPARE(histogram_bin(1e-9f), 0);
        QCOMPARE(histogram_bin(0.0f), 0);
        QCOMPARE(histogram_bin(-1.0f), 0);
        QCOMPARE(histogram_bin(std::numeric_limits<float>::quiet_NaN()), 0);
        QCOMPARE(histogram_bin(1e9f), kHistBins - 1);
        QCOMPARE(histogram_bin(std::numeric_limits<float>::infinity()), kHistBins - 1);
        QCOMPARE(histogram_bin(std::numeric_limits<float>::denorm_min()), 0);
    }

    void histogram_bins_equal_the_float_formula() {
        // The documented formula as float32 arithmetic, one log per value: the accumulator's
        // table must give exactly its bin, including right at the edges.
        auto formula = [](float z) {
            const float position =
                (std::log2(z) * 0.30102999566f - static_cast<float>(kHistFirstExponent)) *
                kHistBinsPerDecade;
            if (!(position > 0.0f)) {
                return 0;
            }
            return std::min(static_cast<int>(position), kHistBins - 1);
        };
        auto bits_of = [](float z) {
            uint32_t bits;
            std::memcpy(&bits, &z, sizeof(bits));
            return bits;
        };
        auto float_of = [](uint32_t bits) {
            float z;
            std::memcpy(&z, &bits, sizeof(z));
            return z;
        };
        std::vector<uint32_t> patterns;
        // A few patterns either side of every edge, where a table would be off by one...
        for (double edge : histogram_edges()) {
            const uint32_t at = bits_of(static_cast<float>(edge));
            for (uint32_t d = 0; d <= 64; ++d) {
                patterns.push_back(at - d);
                patterns.push_back(at + d);
            }
        }
        // ... and a stride over every positive finite float.
        for (uint64_t bits = 1; bits < 0x7F800000u; bits += 9973) {
            patterns.push_back(static_cast<uint32_t>(bits));
        }
        int64_t mismatches = 0;
        for (uint32_t bits : patterns) {
            const float z = float_of(bits);
            if (histogram_bin(z) != formula(z)) {
                ++mismatches;
                if (mismatches < 5) {
                    qWarning("z = %.9g: bin %d, formula %d", static_cast<double>(z),
                             histogram_bin(z), formula(z));
                }
            }
        }
        QCOMPARE(mismatches, int64_t{0});
    }

    void rollup_equals_per_image_count() {
        std::mt19937 gen(3);
        for (int trial = 0; trial < 6; ++trial) {
            const int classes = 3 + static_cast<int>(gen() % 6);
            auto t = parse_custom_taxonomy(
                random_taxonomy(gen, classes, 2 + static_cast<int>(gen() % 6)), "random");
            QVERIFY2(t.has_value(), t ? "" : t.error().message.c_str());
            const int64_t n = 60;
            const int64_t d = 9;
            std::vector<int32_t> labels(static_cast<size_t>(n));
            std::vector<std::vector<uint8_t>> fires(static_cast<size_t>(d),
                                                    std::vector<uint8_t>(static_cast<size_t>(n)));
            std::vector<int64_t> counts(static_cast<size_t>(classes * d), 0);
            std::vector<int64_t> sizes(static_cast<size_t>(classes), 0);
            for (int64_t i = 0; i < n; ++i) {
                labels[static_cast<size_t>(i)] =
                    static_cast<int32_t>(gen() % static_cast<unsigned>(classes));
                sizes[static_cast<size_t>(labels[static_cast<size_t>(i)])] += 1;
            }
            for (int64_t j = 0; j < d; ++j) {
                const unsigned rate = 1 + static_cast<unsigned>(j % 4);  // j = 0 never... see below
                for (int64_t i = 0; i < n; ++i) {
                    const bool on = j != 0 && gen() % 5 < rate;
                    fires[static_cast<size_t>(j)][static_cast<size_t>(i)] = on ? 1 : 0;
                    counts[static_cast<size_t>(labels[static_cast<size_t>(i)] * d + j)] +=
                        on ? 1 : 0;
                }
            }
            NullProgress progress;
            auto aligned =
                align_nodes(*t, {classes, d, counts.data(), sizes.data()}, progress, CancelToken());
            QVERIFY(aligned.has_value());
            for (int64_t j = 0; j < d; ++j) {
                double best = 0.0;
                int best_node = -1;
                for (int v = 0; v < t->node_count(); ++v) {
                    const double f1 = brute_f1(*t, v, labels, fires[static_cast<size_t>(j)]);
                    if (t->is_nontrivial(v) && f1 > best + 1e-12) {
                        best = f1;
                        best_node = v;
                    }
                }
                QVERIFY(std::abs(aligned->best_f1[static_cast<size_t>(j)] - best) < 1e-6);
                QCOMPARE(aligned->best_node[static_cast<size_t>(j)], best_node);
            }
            for (int v = 0; v < t->node_count(); ++v) {
                double best = 0.0;
                int best_feature = -1;
                for (int64_t j = 0; j < d; ++j) {
                    const double f1 = brute_f1(*t, v, labels, fires[static_cast<size_t>(j)]);
                    if (f1 > best + 1e-12) {
                        best = f1;
                        best_feature = static_cast<int>(j);
                    }
                }
                QVERIFY(std::abs(aligned->node_best_f1[static_cast<size_t>(v)] - best) < 1e-6);
                QCOMPARE(aligned->node_best_feature[static_cast<size_t>(v)], best_feature);
            }
        }
    }

    void probe_gradient_equals_autograd() {
        // The probe's objective writes its gradient out by hand (for oneDNN's products); it must
        // be the gradient autograd takes of the documented loss.
        torch::manual_seed(3);
        const int64_t n = 97;
        const int64_t d = 13;
        const int64_t classes = 6;
        const double decay = 0.05;
        const torch::Tensor x = torch::randn({n, d});
        const torch::Tensor y = torch::randint(classes, {n}, torch::kLong);
        torch::Tensor w = (0.3 * torch::randn({d, classes})).requires_grad_(true);
        torch::Tensor b = (0.3 * torch::randn({classes})).requires_grad_(true);
        const torch::Tensor reference_loss =
            torch::nn::functional::cross_entropy(torch::addmm(b, x, w), y) +
            0.5 * decay * w.pow(2).sum();
        reference_loss.backward();
        const torch::Tensor reference_w = w.grad().clone();
        const torch::Tensor reference_b = b.grad().clone();
        w.mutable_grad().zero_();
        b.mutable_grad().zero_();

        torch::NoGradGuard no_grad;
        const ProbeObjective objective(x, y, decay);
        const torch::Tensor loss = objective.evaluate(w, b);
        QVERIFY(torch::allclose(loss, reference_loss, 1e-5, 1e-6));
        QVERIFY(torch::allclose(w.grad(), reference_w, 1e-4, 1e-6));
        QVERIFY(torch::allclose(b.grad(), reference_b, 1e-4, 1e-6));
        // A second evaluation overwrites the gradient instead of adding to it.
        objective.evaluate(w, b);
        QVERIFY(torch::allclose(w.grad(), reference_w, 1e-4, 1e-6));
        QVERIFY(torch::allclose(probe_logits(x, w, b), torch::addmm(b, x, w), 1e-5, 1e-5));
    }

    void rerun_skips_and_interrupted_run_leaves_nothing() {
        const PlantedWorkspace ws = fresh("resume");
        const fs::path out = WorkspacePaths(ws.root).analysis(ws.layer);
        AnalysisOptions options;
        options.probe.max_iterations = 20;
        // The probe's bar counts objective evaluations and never runs past its total.
        ProgressReport last_probe_report;
        CallbackProgress probe_bar(
            [&](const ProgressReport& report) {
                if (report.stage == "linear probe") {
                    last_probe_report = report;
                }
            },
            std::chrono::milliseconds(0));
        auto first = analyse(ws, options, false, &probe_bar);
        QVERIFY(first.has_value());
        QVERIFY(last_probe_report.finished);
        QCOMPARE(last_probe_report.total, int64_t{25});
        QVERIFY(last_probe_report.done > 0 && last_probe_report.done <= last_probe_report.total);
        QVERIFY(!first->outcome.skipped);
        const std::string reference = read_bytes(out);

        auto again = analyse(ws, options);
        QVERIFY(again.has_value());
        QVERIFY(again->outcome.skipped);
        QCOMPARE(again->outcome.summary.coverage, first->outcome.summary.coverage);

        // Other parameters: recomputed.
        AnalysisOptions other = options;
        other.theta = 0.9;
        auto changed = analyse(ws, other);
        QVERIFY(changed.has_value());
        QVERIFY(!changed->outcome.skipped);

        // Cancelled during the alignment: an error, no layer file, no temporary left.
        fs::remove(out);
        CancelToken cancel;
        CallbackProgress progress([&](const ProgressReport& report) {
            if (report.stage.rfind("aligning", 0) == 0) {
                cancel.cancel();
            }
        });
        auto cancelled = analyse(ws, options, false, &progress, cancel);
        QVERIFY(!cancelled.has_value());
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        QVERIFY(!fs::exists(out));
        for (const auto& entry : fs::directory_iterator(WorkspacePaths(ws.root).analysis_dir())) {
            QVERIFY2(entry.path().filename() == "summary.json",
                     qPrintable(QString::fromStdString(entry.path().string())));
        }
        // Cancelled as the linear probe starts: L-BFGS stops at once, nothing is written.
        CancelToken in_probe;
        CallbackProgress probe_progress([&](const ProgressReport& report) {
            if (report.stage == "linear probe") {
                in_probe.cancel();
            }
        });
        auto probe_cancelled = analyse(ws, options, false, &probe_progress, in_probe);
        QVERIFY(!probe_cancelled.has_value());
        QCOMPARE(probe_cancelled.error().code, ErrorCode::Cancelled);
        QVERIFY2(probe_cancelled.error().message.find("linear probe") != std::string::npos,
                 probe_cancelled.error().message.c_str());
        QVERIFY(!fs::exists(out));
        // The rerun gives the same bytes as the uninterrupted run.
        auto rerun = analyse(ws, options);
        QVERIFY(rerun.has_value());
        QVERIFY(!rerun->outcome.skipped);
        QVERIFY(read_bytes(out) == reference);
    }

    void bad_input_gets_clear_errors() {
        // SAE width != activation width.
        {
            const PlantedWorkspace ws = fresh("wide");
            QVERIFY(
                save_sae(WorkspacePaths(ws.root).sae_dir(ws.layer), taxoscope::test::planted_sae(9))
                    .has_value());
            auto r = analyse(ws, AnalysisOptions{});
            QVERIFY(!r.has_value());
            QCOMPARE(r.error().code, ErrorCode::ShapeMismatch);
            QVERIFY2(r.error().message.find("d_in 9") != std::string::npos,
                     r.error().message.c_str());
        }
        // A label outside the class list.
        {
            const PlantedWorkspace ws = fresh("labels");
            const WorkspacePaths paths(ws.root);
            auto records = read_image_table(paths.images()).value();
            records[17].label = 5;
            QVERIFY(write_image_table(paths.images(), records).has_value());
            auto r = analyse(ws, AnalysisOptions{});
            QVERIFY(!r.has_value());
            QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
            QVERIFY2(r.error().message.find("row 17 has label 5") != std::string::npos,
                     r.error().message.c_str());
        }
        // No SAE for the layer; no activations file.
        {
            const PlantedWorkspace ws = fresh("nosae");
            fs::remove_all(WorkspacePaths(ws.root).sae_dir(ws.layer));
            auto r = analyse(ws, AnalysisOptions{});
            QVERIFY(!r.has_value());
            QCOMPARE(r.error().code, ErrorCode::NotFound);
            QVERIFY2(r.error().message.find("has no SAE") != std::string::npos,
                     r.error().message.c_str());
            const PlantedWorkspace ws2 = fresh("noacts");
            fs::remove(WorkspacePaths(ws2.root).activations(ws2.layer));
            auto r2 = analyse(ws2, AnalysisOptions{});
            QVERIFY(!r2.has_value());
            QVERIFY2(r2.error().message.find("blocks.1") != std::string::npos,
                     r2.error().message.c_str());
        }
        // A non-finite activation (what float16 storage makes of an overflow): named by row and
        // column, and the analysis already in the workspace is left as it was.
        for (const float bad :
             {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
            const PlantedWorkspace ws = fresh(std::isnan(bad) ? "nan" : "inf");
            AnalysisOptions options;
            options.run_probe = false;
            QVERIFY(analyse(ws, options).has_value());
            const WorkspacePaths paths(ws.root);
            const std::string analysis_before = read_bytes(paths.analysis(ws.layer));
            const std::string summary_before = read_bytes(paths.analysis_summary());
            auto file = open_activation_file(paths.activations(ws.layer));
            QVERIFY(file.has_value());
            std::vector<float> scratch;
            const float* rows = activation_row_source(*file).read(0, ws.rows, scratch).value();
            std::vector<float> x(rows, rows + ws.rows * 8);
            x[static_cast<size_t>(123 * 8 + 6)] = bad;
            QVERIFY(write_npy(paths.activations(ws.layer),
                              TensorView{x.data(), DType::F32, {ws.rows, 8}})
                        .has_value());
            auto r = analyse(ws, options, /*force=*/true);
            QVERIFY(!r.has_value());
            QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
            const std::string expected =
                std::string("row 123, column 6 is ") + (std::isnan(bad) ? "NaN" : "infinite");
            QVERIFY2(r.error().message.find(expected) != std::string::npos,
                     r.error().message.c_str());
            QVERIFY2(r.error().message.find("blocks.1") != std::string::npos,
                     r.error().message.c_str());
            QVERIFY(read_bytes(paths.analysis(ws.layer)) == analysis_before);
            QVERIFY(read_bytes(paths.analysis_summary()) == summary_before);
        }
        // A taxonomy that lacks one of the workspace's classes.
        {
            PlantedWorkspace ws = fresh("taxonomy");
            std::string text = taxoscope::test::kPlantedTaxonomy;
            text.replace(text.find("truck\n"), 6, "lorry\n");
            text.replace(text.find("truck\t"), 6, "lorry\t");
            QVERIFY(write_file_atomic(ws.taxonomy_tsv, text).has_value());
            auto r = analyse(ws, AnalysisOptions{});
            QVERIFY(!r.has_value());
            QVERIFY2(r.error().message.find("'truck'") != std::string::npos,
                     r.error().message.c_str());
        }
    }

    void reader_rejects_damaged_files() {
        const fs::path root = fs::path(dir_.path().toStdString()) / "damaged";
        fs::create_directories(root);
        auto missing = load_layer_analysis(root / "none.safetensors");
        QVERIFY(!missing.has_value());
        // A safetensors file that is not an analysis file.
        const std::vector<float> v{1.0f};
        QVERIFY(write_safetensors(root / "other.safetensors",
                                  {{"x", TensorView{v.data(), DType::F32, {1}}}})
                    .has_value());
        auto other = load_layer_analysis(root / "other.safetensors");
        QVERIFY(!other.has_value());
        QVERIFY2(other.error().message.find("not a taxoscope analysis file") != std::string::npos,
                 other.error().message.c_str());
        QVERIFY(write_file_atomic(root / "summary.json", "{\"format\": 3}").has_value());
        QVERIFY(!read_analysis_summary(root / "summary.json").has_value());
    }
};

QTEST_APPLESS_MAIN(TestAnalysis)
#include "test_analysis.moc"
