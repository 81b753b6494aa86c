// SAE training and encoding speed, as ratios against references measured in the same run:
//  * training steps/s of core/sae's trainer vs a PyTorch loop doing the same maths
//    (benchmarks/sae_train_reference.py under /usr/bin/python3, same shapes, same threads);
//  * encoding throughput over a memory-mapped activations file vs the fp32 GEMM peak.
//   bench_sae [steps=6] [rows=32768] [d_in=768] [d_sae=6144] [batch=4096]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include <ATen/ATen.h>

#include "core/compute/gemm_probe.h"
#include "core/sae/activation_rows.h"
#include "core/sae/sae.h"
#include "core/sae/sae_trainer.h"
#include "core/store/npy_file.h"
#include "core/util/memory_reuse.h"
#include "core/util/thread_waits.h"
#include "core/util/threads.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

double python_steps_per_second(const fs::path& acts, int64_t d_sae, int64_t batch, int64_t steps,
                               int threads) {
    const std::string command =
        "/usr/bin/python3 " TAXOSCOPE_SOURCE_DIR "/benchmarks/sae_train_reference.py " +
        acts.string() + " " + std::to_string(d_sae) + " " + std::to_string(batch) + " " +
        std::to_string(steps) + " " + std::to_string(threads) + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return 0.0;
    }
    char line[512];
    double rate = 0.0;
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
        if (std::sscanf(line, "steps_per_second %lf", &rate) != 1) {
            std::fputs(line, stderr);
        }
    }
    pclose(pipe);
    return rate;
}

int fail_with(const Error& error) {
    std::fprintf(stderr, "bench_sae: %s\n", error.describe().c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    // The settings taxoscope's programs run with; Python references inherit them.
    taxoscope::core::restart_with_short_thread_waits(argv);
    taxoscope::core::keep_freed_memory_for_reuse();
    const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 6;
    const int64_t rows = argc > 2 ? std::atoll(argv[2]) : 32768;
    const int64_t d_in = argc > 3 ? std::atoll(argv[3]) : 768;
    const int64_t d_sae = argc > 4 ? std::atoll(argv[4]) : 6144;
    const int64_t batch = argc > 5 ? std::atoll(argv[5]) : 4096;
    const int threads = apply_thread_count(0);
    std::printf("threads %d, load average %s (shared machine)\n", threads, load_average().c_str());
    CancelToken cancel;
    NullProgress quiet;

    const fs::path dir = fs::temp_directory_path() / ("bench_sae_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path acts = dir / "activations.npy";
    {
        at::manual_seed(1);
        const at::Tensor x = at::randn({rows, d_in});
        if (auto ok = write_npy(acts, TensorView{x.data_ptr(), DType::F32, {rows, d_in}}); !ok) {
            return fail_with(ok.error());
        }
    }

    // Training: core/sae vs PyTorch, same recipe, same shapes.
    SaeTrainingOptions o;
    o.d_sae = d_sae;
    o.steps = steps;
    o.batch = batch;
    o.l1_coefficient = 5.0;
    o.resample_every = 0;  // the reference does not resample either
    o.checkpoint_every = 0;
    o.log_every = steps;
    o.eval_rows = 2048;
    // Both product routes of the trainer, then the reference, then oneDNN (the default) again:
    // on a shared machine the load drifts, and bracketing the reference shows by how much.
    double rate[3] = {0.0, 0.0, 0.0};
    const bool routes[3] = {true, false, true};
    for (int i = 0; i < 2; ++i) {
        o.onednn = routes[i];
        auto ours =
            train_sae(acts, dir / ("sae" + std::to_string(i)), o, false, "bench", quiet, cancel);
        if (!ours) {
            return fail_with(ours.error());
        }
        rate[i] = ours->steps_per_second;
    }
    const double py = python_steps_per_second(acts, d_sae, batch, steps, threads);
    o.onednn = routes[2];
    auto again = train_sae(acts, dir / "sae2", o, false, "bench", quiet, cancel);
    if (!again) {
        return fail_with(again.error());
    }
    rate[2] = again->steps_per_second;
    std::printf("training  d_in %lld, d_sae %lld, batch %lld, %lld steps\n",
                static_cast<long long>(d_in), static_cast<long long>(d_sae),
                static_cast<long long>(batch), static_cast<long long>(steps));
    std::printf(
        "  taxoscope oneDNN  %.3f steps/s (before), %.3f (after the reference)\n"
        "  taxoscope BLAS    %.3f steps/s\n  PyTorch           %.3f steps/s\n",
        rate[0], rate[2], rate[1], py);
    const double ours = 0.5 * (rate[0] + rate[2]);
    std::printf("  ratio oneDNN (default) %.2fx, BLAS %.2fx  (target >= 1.2x)\n",
                py > 0 ? ours / py : 0.0, py > 0 ? rate[1] / py : 0.0);

    // Encoding over the mapped file, against the GEMM peak measured now.
    auto peak = measure_gemm_peak(2048, 1.0, cancel);
    if (!peak) {
        return fail_with(peak.error());
    }
    std::printf("GEMM peak %.1f GFLOP/s (BLAS %.1f, oneDNN %.1f), bf16 %.1f\n", peak->fp32_peak(),
                peak->blas.gflops, peak->onednn.gflops, peak->bf16.gflops);
    SaeConfig config;
    config.d_in = d_in;
    config.d_sae = d_sae;
    config.apply_b_dec_to_input = true;
    SaeWeights w;
    {
        at::manual_seed(2);
        auto fill = [](at::Tensor t) {
            return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
        };
        w.w_enc = fill(at::randn({d_in, d_sae}) / std::sqrt(static_cast<double>(d_in)));
        w.w_dec = fill(at::randn({d_sae, d_in}) / std::sqrt(static_cast<double>(d_sae)));
        w.b_enc = fill(at::full({d_sae}, -0.5f));
        w.b_dec = fill(at::zeros({d_in}));
    }
    auto sae = Sae::create(config, std::move(w), "bench");
    auto file = NpyFile::open(acts);
    if (!sae || !file) {
        return fail_with(sae ? file.error() : sae.error());
    }
    const double flop = 2.0 * static_cast<double>(rows * d_in) * static_cast<double>(d_sae);
    // Auto is what taxoscope uses; the forced backends show what the measurement chose between.
    const std::pair<Precision, GemmBackend> runs[] = {{Precision::F32, GemmBackend::Auto},
                                                      {Precision::F32, GemmBackend::Blas},
                                                      {Precision::F32, GemmBackend::OneDnn},
                                                      {Precision::BF16, GemmBackend::Auto}};
    for (const auto& [precision, backend] : runs) {
        auto kernel = sae->make_kernel(precision, backend);
        if (!kernel) {
            return fail_with(kernel.error());
        }
        int64_t active = 0;
        auto visit = [&active](const EncodedBlock& b) -> Result<void> {
            active += b.codes[0] > 0.0f ? 1 : 0;  // touch the output, as a consumer would
            return {};
        };
        const auto start = std::chrono::steady_clock::now();
        if (auto ok = kernel->encode_stream(activation_row_source(*file), visit, quiet, cancel);
            !ok) {
            return fail_with(ok.error());
        }
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf(
            "encoding  %s %s (%s), %lld rows: %.1f GFLOP/s = %.2f of the fp32 GEMM peak%s\n",
            to_string(precision).data(), to_string(kernel->backend()).data(),
            backend == GemmBackend::Auto ? "auto" : "forced", static_cast<long long>(rows),
            flop / s / 1e9, flop / s / 1e9 / peak->fp32_peak(),
            precision == Precision::F32 && backend == GemmBackend::Auto ? " (target >= 0.70)" : "");
    }
    std::printf("load average at the end %s\n", load_average().c_str());
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 0;
}
