// `taxoscope-cli bench`: what this machine gives for the dense SAE work, as a fraction of its
// own GEMM peak, so users can tell a slow setup (reference BLAS, few threads) from a slow CPU.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "app/cli/precision_option.h"
#include "core/compute/blas_library.h"
#include "core/compute/encode_benchmark.h"
#include "core/compute/gemm_probe.h"
#include "core/util/threads.h"

namespace taxoscope::cli {
namespace {

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

class BenchCommand final : public Command {
  public:
    std::string name() const override { return "bench"; }
    std::string summary() const override {
        return "Measure GEMM peak and SAE encode + streaming top-k throughput (fp32 and bf16)";
    }
    void add_options(CLI::App& sub) override {
        sub.add_flag("--quick", quick_, "fewer rows (8,192) and shorter GEMM runs (~10 s in all)");
        sub.add_option("--rows", rows_, "rows to encode (default 50,000; 8,192 with --quick)")
            ->check(CLI::PositiveNumber);
        sub.add_option("--d-in", d_in_, "SAE input width")->check(CLI::PositiveNumber);
        sub.add_option("--d-sae", d_sae_, "SAE features")->check(CLI::PositiveNumber);
    }

    int run(CliContext& context) override {
        const core::BlasLibrary blas = core::loaded_blas();
        std::cout << "BLAS        " << core::to_string(blas.kind) << "  " << blas.path << '\n'
                  << "threads     " << context.options().threads << " requested, "
                  << core::current_thread_count() << " in use\n";
        const double gemm_budget = quick_ ? 0.5 : 1.5;
        auto peak = core::measure_gemm_peak(2048, gemm_budget, context.cancel());
        if (!peak) {
            return context.report(peak.error());
        }
        const double fp32_peak = peak->fp32_peak();
        for (const auto* figure : {&peak->blas, &peak->onednn, &peak->bf16}) {
            std::cout << "GEMM        " << core::to_string(figure->route) << "  " << figure->n
                      << "x" << figure->n << "  " << fixed(figure->gflops, 1) << " GFLOP/s  ("
                      << fixed(figure->gflops / fp32_peak, 2) << " of peak)\n";
        }
        std::cout << "GEMM peak   " << fixed(fp32_peak, 1)
                  << " GFLOP/s (best fp32 route on 2048x2048)\n";

        core::EncodeWorkload workload;
        workload.rows = rows_ > 0 ? rows_ : (quick_ ? 8192 : 50000);
        workload.d_in = d_in_;
        workload.d_sae = d_sae_;
        std::cout << "encode + top-k  N " << workload.rows << ", d_in " << workload.d_in
                  << ", d_sae " << workload.d_sae << ", ReLU, top " << workload.top_k
                  << " rows per feature\n";
        for (const auto precision : {core::Precision::F32, core::Precision::BF16}) {
            workload.precision = precision;
            auto progress = context.make_progress();
            auto result = core::measure_encode_top_k(workload, *progress, context.cancel());
            if (!result) {
                return context.report(result.error());
            }
            std::cout << "  " << core::to_string(precision) << "  "
                      << core::to_string(result->backend) << ", " << result->block_rows
                      << "-row blocks: " << fixed(result->seconds, 2) << " s, "
                      << fixed(result->gflops, 1) << " GFLOP/s, "
                      << fixed(result->gflops / fp32_peak, 2) << " of peak\n";
        }
        return 0;
    }

  private:
    bool quick_ = false;
    int64_t rows_ = 0;
    int64_t d_in_ = 1536;
    int64_t d_sae_ = 12288;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(BenchCommand)

}  // namespace taxoscope::cli
