// Per-layer analysis throughput against the fp32 GEMM peak measured in the same run, and the
// process's peak RSS (docs/analysis.md, "Performance").
//   bench_analysis [--quick] [--rows N] [--repeat R] [--serial-only] [--no-probe] [--no-screen]
// Synthetic layer: N rows (50,000; --quick 5,000) x d_in 1,536 float16 activations, a random
// ReLU SAE with d_sae 12,288 whose encoder bias makes ~2% of the codes fire (a trained SAE's
// density; a fresh random one fires on half, which no real analysis sees), labels uniform over
// ImageNet-1k's 1,000 classes on the WordNet taxonomy (1,860 nodes) when WordNet is installed.
// Throughput = 2 N d_in d_sae (the encode GEMM) / wall time of the whole streaming pass +
// alignment; the linear probe is timed on its own (its cost is capped by its recipe).
// The machine this runs on is shared, and its speed drifts by tens of percent within a minute,
// so each timed phase is also compared with the mean of two short peak probes, one right before
// and one right after it, and the default pass (parallel statistics) runs R times (3) and its
// median is printed too: one slow minute should not decide the figure either way.
// The sparse encode stream is timed through the bf16 screen (where the kernel uses it) and
// from the fp32 product; --no-screen runs the analysis passes without the screen as well.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/analysis/layer_analysis.h"
#include "core/compute/gemm_probe.h"
#include "core/sae/activation_rows.h"
#include "core/sae/sae_io.h"
#include "core/store/npy_file.h"
#include "core/taxonomy/class_list.h"
#include "core/taxonomy/custom_taxonomy.h"
#include "core/taxonomy/wordnet_location.h"
#include "core/taxonomy/wordnet_taxonomy.h"
#include "core/util/memory_reuse.h"
#include "core/util/thread_waits.h"
#include "core/util/threads.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDIn = 1536;
constexpr int64_t kDSae = 12288;
// Encoder bias: pre-activations are ~N(0, 1) here, and P(N(0,1) > 2.054) = 2%.
constexpr float kBias = -2.054f;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The middle value (the mean of the two middle ones for an even count).
double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n == 0 ? 0.0 : n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

int fail_with(const Error& error) {
    std::fprintf(stderr, "bench_analysis: %s\n", error.describe().c_str());
    return 1;
}

Result<void> write_activations(const fs::path& path, int64_t rows) {
    auto writer = NpyRowWriter::create(path, DType::F16, kDIn);
    if (!writer) {
        return fail(writer.error());
    }
    std::mt19937 gen(1);
    std::normal_distribution<float> normal;
    std::vector<float> block(static_cast<size_t>(1000 * kDIn));
    for (int64_t first = 0; first < rows; first += 1000) {
        const int64_t count = std::min<int64_t>(1000, rows - first);
        for (int64_t k = 0; k < count * kDIn; ++k) {
            block[static_cast<size_t>(k)] = normal(gen);
        }
        if (auto ok = writer->append(block.data(), count); !ok) {
            return ok;
        }
    }
    return writer->finish();
}

Result<void> write_sae(const fs::path& folder) {
    SaeConfig config;
    config.d_in = kDIn;
    config.d_sae = kDSae;
    SaeWeights w;
    std::mt19937 gen(2);
    std::normal_distribution<float> enc(0.0f, 1.0f / std::sqrt(static_cast<float>(kDIn)));
    w.w_enc.resize(static_cast<size_t>(kDIn * kDSae));
    for (float& v : w.w_enc) {
        v = enc(gen);
    }
    w.w_dec.resize(w.w_enc.size());
    for (float& v : w.w_dec) {
        v = enc(gen);
    }
    w.b_enc.assign(static_cast<size_t>(kDSae), kBias);
    w.b_dec.assign(static_cast<size_t>(kDIn), 0.0f);
    auto sae = Sae::create(config, std::move(w), "random SAE");
    if (!sae) {
        return fail(sae.error());
    }
    return save_sae(folder, *sae);
}

Result<Taxonomy> bench_taxonomy() {
    auto wordnet = locate_wordnet();
    auto classes = builtin_class_list("imagenet1k");
    if (wordnet && classes) {
        NullProgress progress;
        return build_wordnet_taxonomy(*classes, *wordnet, progress, CancelToken());
    }
    std::printf("WordNet not found: a 100-class custom taxonomy instead\n");
    std::string text = "[classes]\n";
    for (int c = 0; c < 100; ++c) {
        text += "c" + std::to_string(c) + "\n";
    }
    text += "[edges]\n";
    for (int c = 0; c < 100; ++c) {
        text += "c" + std::to_string(c) + "\tg" + std::to_string(c / 10) + "\n";
    }
    for (int g = 0; g < 10; ++g) {
        text += "g" + std::to_string(g) + "\troot\n";
    }
    return parse_custom_taxonomy(text, "bench");
}

}  // namespace

int main(int argc, char** argv) {
    // The settings taxoscope's programs run with; Python references inherit them.
    taxoscope::core::restart_with_short_thread_waits(argv);
    taxoscope::core::keep_freed_memory_for_reuse();
    int64_t rows = 50000;
    int repeat = 3;
    bool serial_only = false;
    bool run_probe = true;
    bool screen = true;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            rows = 5000;
        } else if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            rows = std::atoll(argv[++i]);
        } else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = std::max(1, std::atoi(argv[++i]));
        } else if (std::strcmp(argv[i], "--serial-only") == 0) {
            serial_only = true;
        } else if (std::strcmp(argv[i], "--no-probe") == 0) {
            run_probe = false;
        } else if (std::strcmp(argv[i], "--no-screen") == 0) {
            screen = false;
        } else {
            std::fprintf(stderr,
                         "usage: bench_analysis [--quick] [--rows N] [--repeat R] [--serial-only] "
                         "[--no-probe] [--no-screen]\n");
            return 2;
        }
    }
    const int threads = apply_thread_count(0);
    std::printf("threads %d, load average %s (shared machine)\n", threads, load_average().c_str());
    CancelToken cancel;
    auto peak = measure_gemm_peak(2048, 1.0, cancel);
    if (!peak) {
        return fail_with(peak.error());
    }
    std::printf("GEMM peak %.1f GFLOP/s (BLAS %.1f, oneDNN %.1f), bf16 %.1f\n", peak->fp32_peak(),
                peak->blas.gflops, peak->onednn.gflops, peak->bf16.gflops);
    const GemmRoute peak_route =
        peak->blas.gflops > peak->onednn.gflops ? GemmRoute::BlasF32 : GemmRoute::OneDnnF32;
    auto probe_now = [&]() {
        auto figure = measure_gemm(peak_route, 2048, 0.5, cancel);
        return figure ? figure->gflops : 0.0;
    };
    // "x% of peak (y% of the probes around it: before / after GFLOP/s)"
    auto report = [&](double gflops, double before, double after) {
        const double around = 0.5 * (before + after);
        std::printf("%5.1f%% of peak (%5.1f%% of the probes around it: %.0f / %.0f GFLOP/s)",
                    100.0 * gflops / peak->fp32_peak(), around > 0 ? 100.0 * gflops / around : 0.0,
                    before, after);
    };

    const fs::path dir = fs::temp_directory_path() / ("bench_analysis_" + std::to_string(getpid()));
    fs::create_directories(dir);
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{dir};
    if (auto ok = write_activations(dir / "acts.npy", rows); !ok) {
        return fail_with(ok.error());
    }
    if (auto ok = write_sae(dir / "sae"); !ok) {
        return fail_with(ok.error());
    }
    auto taxonomy = bench_taxonomy();
    if (!taxonomy) {
        return fail_with(taxonomy.error());
    }
    LayerInputs in;
    in.layer = "bench";
    in.activations = dir / "acts.npy";
    in.sae = dir / "sae";
    in.taxonomy = &*taxonomy;
    std::mt19937 gen(3);
    for (int64_t i = 0; i < rows; ++i) {
        in.labels.push_back(
            static_cast<int32_t>(gen() % static_cast<unsigned>(taxonomy->class_count())));
        in.splits.push_back(i % 5 == 0 ? RowSplit::Heldout : RowSplit::Train);
    }
    std::printf("rows %lld, d_in %lld, d_sae %lld (float16 activations), %d classes, %d nodes\n",
                static_cast<long long>(rows), static_cast<long long>(kDIn),
                static_cast<long long>(kDSae), taxonomy->class_count(), taxonomy->node_count());
    const double flops = 2.0 * static_cast<double>(rows) * kDIn * kDSae;

    // The encode stream alone (no statistics): what the GEMM path gives by itself.
    {
        auto sae = load_sae(in.sae);
        auto file = open_activation_file(in.activations);
        if (!sae || !file) {
            return fail_with(!sae ? sae.error() : file.error());
        }
        KernelOptions compute;
        compute.bf16_screen = screen ? Bf16Screen::Auto : Bf16Screen::Off;
        auto kernel = sae->make_kernel(compute);
        compute.bf16_screen = Bf16Screen::Off;
        auto fp32_kernel = sae->make_kernel(compute);
        if (!kernel || !fp32_kernel) {
            return fail_with(!kernel ? kernel.error() : fp32_kernel.error());
        }
        // Dense codes (what most callers take), and the non-zero codes alone (what the analysis
        // takes: no dense block is written) through the bf16 screen where the kernel uses it and
        // from the fp32 product.
        for (const int route : {0, 1, 2}) {
            if (route == 2 && !kernel->screens_with_bf16()) {
                break;
            }
            const bool sparse = route != 0;
            const SaeKernel& k = route == 2 ? *fp32_kernel : *kernel;
            StreamOutput output;
            output.dense = !sparse;
            output.sparse = sparse;
            NullProgress progress;
            const double before = probe_now();
            const auto start = std::chrono::steady_clock::now();
            auto ok = k.encode_stream(
                activation_row_source(*file),
                [](const EncodedBlock&) -> Result<void> { return {}; }, progress, cancel, output);
            if (!ok) {
                return fail_with(ok.error());
            }
            const double s = seconds_since(start);
            const double after = probe_now();
            std::printf("encode stream, %s %7.2f s  %6.1f GFLOP/s  ", sparse ? "sparse" : "dense ",
                        s, flops / s / 1e9);
            report(flops / s / 1e9, before, after);
            std::printf(" (%s%s)\n", std::string(to_string(k.backend())).c_str(),
                        !sparse                 ? ""
                        : k.screens_with_bf16() ? ", bf16 screen"
                                                : ", fp32 product");
        }
    }
    // Fractions of the first peak and of the probes around each run of the default pass.
    std::vector<double> of_peak;
    std::vector<double> of_around;
    for (int parallel = serial_only ? 0 : 1; parallel >= 0; --parallel) {
        const int runs = parallel != 0 ? repeat : 1;
        for (int run = 0; run < runs; ++run) {
            AnalysisOptions options;
            options.run_probe = false;
            options.parallel_statistics = parallel != 0;
            options.bf16_screen = screen;
            NullProgress progress;
            const double before = probe_now();
            const auto start = std::chrono::steady_clock::now();
            auto result = analyze_layer(in, options, progress, cancel);
            if (!result) {
                return fail_with(result.error());
            }
            const double s = seconds_since(start);
            const double after = probe_now();
            std::printf("analysis (%s stats) %7.2f s  %6.1f GFLOP/s  ",
                        parallel != 0 ? "parallel" : "serial  ", s, flops / s / 1e9);
            report(flops / s / 1e9, before, after);
            std::printf("; target >= 70%%; L0 %.0f, FVU %.3f\n", result->summary.l0,
                        result->summary.fvu);
            if (parallel != 0) {
                of_peak.push_back(flops / s / 1e9 / peak->fp32_peak());
                of_around.push_back(before + after > 0 ? flops / s / 1e9 / (0.5 * (before + after))
                                                       : 0.0);
            }
        }
        if (parallel != 0 && runs > 1) {
            std::printf(
                "analysis (parallel stats), median of %d runs: %5.1f%% of peak (%5.1f%% of "
                "the probes around it); target >= 70%%\n",
                runs, 100.0 * median(of_peak), 100.0 * median(of_around));
        }
    }
    if (run_probe) {
        auto file = open_activation_file(in.activations);
        if (!file) {
            return fail_with(file.error());
        }
        ProbeRecipe recipe;
        NullProgress progress;
        const auto start = std::chrono::steady_clock::now();
        auto probe = run_linear_probe(*file, in.labels, in.splits, taxonomy->class_count(), recipe,
                                      progress, cancel);
        if (!probe) {
            return fail_with(probe.error());
        }
        std::printf(
            "linear probe         %7.2f s  (%lld train rows cap, %d L-BFGS iterations max; "
            "accuracy %.4f on random labels)\n",
            seconds_since(start), static_cast<long long>(recipe.max_train_rows),
            recipe.max_iterations, probe->accuracy);
    }
    const double rss = peak_rss_mib();
    std::printf("peak RSS %.0f MiB (target < 2048 MiB)\n", rss);
    std::printf("load average at the end %s\n", load_average().c_str());
    return 0;
}
