#include "core/compute/gemm_probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <ATen/ATen.h>

#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

using Clock = std::chrono::steady_clock;

// One product of the route on n x n operands, prepared outside the timed part.
class SquareProduct {
  public:
    SquareProduct(GemmRoute route, int64_t n) : route_(route) {
        a_ = at::randn({n, n}, at::kFloat);
        b_ = at::randn({n, n}, at::kFloat);
        if (route == GemmRoute::OneDnnF32) {
            a_ = a_.to_mkldnn();
            b_ = b_.to_mkldnn();
        } else if (route == GemmRoute::Bf16) {
            a_ = a_.to(at::kBFloat16);
            b_ = b_.to(at::kBFloat16);
        }
    }
    void run() {
        out_ = route_ == GemmRoute::OneDnnF32 ? at::mkldnn_linear(a_, b_) : at::mm(a_, b_);
    }

  private:
    GemmRoute route_;
    at::Tensor a_, b_, out_;
};

double seconds_of(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

std::string_view to_string(GemmRoute route) {
    switch (route) {
        case GemmRoute::BlasF32:
            return "BLAS fp32";
        case GemmRoute::OneDnnF32:
            return "oneDNN fp32";
        case GemmRoute::Bf16:
            break;
    }
    return "bf16";
}

Result<GemmFigure> measure_gemm(GemmRoute route, int64_t n, double budget_s,
                                const CancelToken& cancel) {
    if (n < 16 || budget_s <= 0.0) {
        return fail(ErrorCode::InvalidArgument, "GEMM measurement needs n >= 16 and a time budget");
    }
    return guard_exceptions("measuring GEMM", [&]() -> Result<GemmFigure> {
        at::NoGradGuard no_grad;
        const auto start = Clock::now();
        // Estimate the rate on a small product so one repetition stays within a quarter of the
        // budget; otherwise the reference BLAS would blow the budget on its first 2048 product.
        int64_t side = n;
        {
            const int64_t probe_n = std::min<int64_t>(n, 256);
            SquareProduct probe(route, probe_n);
            probe.run();
            const auto t0 = Clock::now();
            probe.run();
            const double rate =
                2.0 * std::pow(static_cast<double>(probe_n), 3) / std::max(seconds_of(t0), 1e-6);
            const double affordable = std::cbrt(rate * budget_s / 4.0 / 2.0);
            side = std::clamp<int64_t>(static_cast<int64_t>(affordable) / 128 * 128, probe_n, n);
        }
        SquareProduct product(route, side);
        product.run();  // warm-up: oneDNN builds its primitive, OpenBLAS starts its threads
        GemmFigure figure;
        figure.route = route;
        figure.n = side;
        double best = 1e30;
        do {
            if (cancel.is_cancelled()) {
                return fail(cancel.cancelled_error("measuring GEMM"));
            }
            const auto t0 = Clock::now();
            product.run();
            best = std::min(best, seconds_of(t0));
            ++figure.reps;
        } while (seconds_of(start) < budget_s || figure.reps < 2);
        figure.seconds = seconds_of(start);
        figure.gflops = 2.0 * std::pow(static_cast<double>(side), 3) / best / 1e9;
        return figure;
    });
}

Result<GemmPeak> measure_gemm_peak(int64_t n, double budget_s_each, const CancelToken& cancel) {
    GemmPeak peak;
    for (auto [route, slot] :
         {std::pair{GemmRoute::BlasF32, &peak.blas}, std::pair{GemmRoute::OneDnnF32, &peak.onednn},
          std::pair{GemmRoute::Bf16, &peak.bf16}}) {
        auto figure = measure_gemm(route, n, budget_s_each, cancel);
        if (!figure) {
            return fail(figure.error());
        }
        *slot = *figure;
    }
    return peak;
}

}  // namespace taxoscope::core
