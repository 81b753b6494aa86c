// Sweeps the encode block size and the GEMM backend for SAE-shaped products, to back the block
// rule and the backend choice in core/compute (docs/compute.md). Prints GFLOP/s and the ratio to
// the fp32 GEMM peak measured in the same run.
//   bench_encode_blocks [rows=4096] [d_in=1536] [d_sae=12288]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <ATen/ATen.h>

#include "core/compute/gemm_probe.h"
#include "core/compute/sae_kernel_torch.h"
#include "core/util/memory_reuse.h"
#include "core/util/thread_waits.h"
#include "core/util/threads.h"

using namespace taxoscope::core;

int main(int argc, char** argv) {
    // The settings taxoscope's programs run with; Python references inherit them.
    taxoscope::core::restart_with_short_thread_waits(argv);
    taxoscope::core::keep_freed_memory_for_reuse();
    const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 4096;
    const int64_t d_in = argc > 2 ? std::atoll(argv[2]) : 1536;
    const int64_t d_sae = argc > 3 ? std::atoll(argv[3]) : 12288;
    apply_thread_count(0);
    at::NoGradGuard no_grad;
    CancelToken cancel;
    auto peak = measure_gemm_peak(2048, 1.0, cancel);
    if (!peak) {
        std::fprintf(stderr, "%s\n", peak.error().describe().c_str());
        return 1;
    }
    std::printf("threads %d; GEMM peak %.1f GFLOP/s (BLAS %.1f, oneDNN %.1f), bf16 %.1f\n",
                current_thread_count(), peak->fp32_peak(), peak->blas.gflops, peak->onednn.gflops,
                peak->bf16.gflops);
    std::printf("rule: %lld-row blocks for d_sae %lld\n",
                static_cast<long long>(encode_block_rows(d_sae)), static_cast<long long>(d_sae));

    SaeTensors sae;
    sae.w_enc = at::randn({d_in, d_sae}) / std::sqrt(static_cast<double>(d_in));
    sae.b_enc = at::full({d_sae}, -1.0f);
    const at::Tensor x = at::randn({rows, d_in});
    const double flop = 2.0 * static_cast<double>(rows * d_in) * static_cast<double>(d_sae);
    std::printf("%-5s %-7s %6s %10s %8s\n", "prec", "backend", "block", "GFLOP/s", "of peak");
    for (const auto precision : {Precision::F32, Precision::BF16}) {
        for (const auto backend : {GemmBackend::Blas, GemmBackend::OneDnn}) {
            for (const int64_t block : {64, 128, 256, 512, 1024}) {
                KernelOptions options;
                options.precision = precision;
                options.backend = backend;
                options.block_rows = block;
                auto kernel = prepare_sae_kernel(sae, options);
                if (!kernel) {
                    std::fprintf(stderr, "%s\n", kernel.error().describe().c_str());
                    return 1;
                }
                (void)encode_block(*kernel, x.narrow(0, 0, block));  // warm-up
                const auto start = std::chrono::steady_clock::now();
                auto z = encode_block(*kernel, x);
                const double s =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                if (!z) {
                    std::fprintf(stderr, "%s\n", z.error().describe().c_str());
                    return 1;
                }
                std::printf("%-5s %-7s %6lld %10.1f %8.2f\n", to_string(precision).data(),
                            to_string(backend).data(), static_cast<long long>(block),
                            flop / s / 1e9, flop / s / 1e9 / peak->fp32_peak());
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
