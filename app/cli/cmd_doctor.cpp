// `taxoscope-cli doctor`: what this installation runs on, and whether anything required is missing.
#include <cstdio>
#include <iostream>

#include "app/cli/command.h"
#include "core/compute/blas_library.h"
#include "core/compute/cpu_features.h"
#include "core/compute/gemm_probe.h"
#include "core/compute/sae_kernel.h"
#include "core/taxonomy/wordnet_location.h"
#include "core/util/runtime_info.h"
#include "core/util/threads.h"

namespace taxoscope::cli {
namespace {

class DoctorCommand final : public Command {
  public:
    std::string name() const override { return "doctor"; }
    std::string summary() const override {
        return "Report library versions, compute devices and WordNet; exit 1 if something "
               "required is missing";
    }
    void add_options(CLI::App& sub) override {
        sub.add_flag("--no-gemm", skip_gemm_, "skip the three one-second GEMM measurements");
    }

    int run(CliContext& context) override {
        const core::RuntimeInfo info = core::runtime_info();
        std::cout << "taxoscope  " << info.taxoscope_version << '\n'
                  << "LibTorch   " << info.libtorch_version << '\n'
                  << "OpenCV     " << info.opencv_version << '\n';
        if (info.cuda_available) {
            std::cout << "CUDA       available: ";
            for (size_t i = 0; i < info.cuda_devices.size(); ++i) {
                std::cout << (i ? ", " : "") << "cuda:" << i << ' ' << info.cuda_devices[i];
            }
            std::cout << '\n';
        } else if (info.cuda_built) {
            std::cout
                << "CUDA       not available (this LibTorch has CUDA, but no device was found)\n";
        } else {
            std::cout << "CUDA       not available (this LibTorch is a CPU build)\n";
        }
        bool healthy = true;
        const bool fast_blas = report_compute(info);
        if (!skip_gemm_ && !report_gemm(context)) {
            healthy = false;
        }
        const auto wordnet = core::locate_wordnet();
        if (wordnet) {
            std::cout << "WordNet    " << wordnet->string() << " (data.noun found)\n";
        } else {
            std::cout << "WordNet    MISSING\n";
            context.report(wordnet.error());
            healthy = false;
        }
        if (!healthy) {
            std::cout << "status     problems found (see above)\n";
        } else {
            std::cout << (fast_blas ? "status     ok\n"
                                    : "status     ok, but slow (see BLAS above)\n");
        }
        return healthy ? 0 : 1;
    }

  private:
    // BLAS, CPU and threads; returns false when the loaded BLAS is the slow reference one.
    static bool report_compute(const core::RuntimeInfo& info) {
        const core::BlasLibrary blas = core::loaded_blas();
        std::cout << "BLAS       " << core::to_string(blas.kind);
        if (!blas.path.empty()) {
            std::cout << "  " << blas.path;
        }
        std::cout << '\n';
        if (!blas.detail.empty()) {
            std::cout << "           " << blas.detail << '\n';
        }
        const bool slow =
            blas.kind == core::BlasKind::Reference || blas.kind == core::BlasKind::NotFound;
        if (slow) {
            std::cout << "WARNING    fp32 products run on the " << core::to_string(blas.kind)
                      << ", about 20x slower than OpenBLAS. Install the Debian package "
                      << core::kFastBlasPackage << " (sudo apt-get install "
                      << core::kFastBlasPackage
                      << "); it becomes the libblas.so.3 alternative by itself.\n";
        }
        const core::CpuFeatures cpu = core::detect_cpu_features();
        std::cout << "CPU        " << (cpu.brand.empty() ? "unknown" : cpu.brand) << ": "
                  << core::describe(cpu) << '\n';
        const core::Bf16ScreenSupport screen = core::bf16_screen_support();
        std::cout << "screen     "
                  << (screen == core::Bf16ScreenSupport::ByDefault
                          ? "AMX: fp32 analyses rule out zero codes with a bf16 product"
                      : screen == core::Bf16ScreenSupport::OnRequest
                          ? "off: AVX-512 BF16 without AMX is too close to fp32's speed to pay"
                          : "off: no bf16 units")
                  << " (docs/compute.md, \"The bf16 screen\")\n";
        // An OpenBLAS that does not know the CPU falls back to its SSE3 kernels (measured on an
        // AVX-512 Xeon: 60 GFLOP/s fp32 against 246 with OPENBLAS_CORETYPE=SkylakeX). Advice
        // only: forcing a core type is the user's call (older builds misbehave on some CPUs).
        if (blas.kind == core::BlasKind::OpenBlas &&
            blas.detail.find("Prescott") != std::string::npos && (cpu.avx512f || cpu.avx2)) {
            std::cout << "NOTE       OpenBLAS runs its generic Prescott kernels on this "
                      << (cpu.avx512f ? "AVX-512" : "AVX2")
                      << " CPU; OPENBLAS_CORETYPE=" << (cpu.avx512f ? "SkylakeX" : "Haswell")
                      << " in the environment selects faster ones. taxoscope's fp32 SAE products "
                         "take the oneDNN path when it is faster, either way.\n";
        }
        std::cout << "threads    " << info.torch_threads << " (LibTorch/OpenMP)";
        // LAPACK can pull in libopenblas even when sgemm_ binds elsewhere: only name its pool when
        // it is the BLAS in use.
        if (const int blas_threads = core::blas_thread_count();
            blas.kind == core::BlasKind::OpenBlas && blas_threads > 0) {
            std::cout << ", OpenBLAS " << blas_threads;
        }
        std::cout << " of " << core::available_cores() << " cores\n";
        if (const int width = core::parallel_loop_width(); width < info.torch_threads) {
            std::cout << "WARNING    taxoscope's own parallel loops run on " << width << " of "
                      << info.torch_threads
                      << " threads; LibTorch's at::parallel_for splits a loop only in code built "
                         "with OpenMP (docs/compute.md, \"Threads\").\n";
        }
        return !slow;
    }

    // About one second each; returns false if a measurement failed.
    static bool report_gemm(CliContext& context) {
        for (const auto route :
             {core::GemmRoute::BlasF32, core::GemmRoute::OneDnnF32, core::GemmRoute::Bf16}) {
            auto figure = core::measure_gemm(route, 2048, 1.0, context.cancel());
            if (!figure) {
                context.report(figure.error());
                return false;
            }
            char line[160];
            std::snprintf(
                line, sizeof line, "GEMM       %-12s %8.1f GFLOP/s  (%lldx%lld, %d runs)\n",
                std::string(core::to_string(route)).c_str(), figure->gflops,
                static_cast<long long>(figure->n), static_cast<long long>(figure->n), figure->reps);
            std::cout << line << std::flush;
        }
        return true;
    }

    bool skip_gemm_ = false;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(DoctorCommand)

}  // namespace taxoscope::cli
