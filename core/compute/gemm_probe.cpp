#include "core/compute/gemm_probe.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

#include "core/compute/stopwatch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

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

namespace {

Result<GemmFigure> measure(GemmRoute route, int64_t n, double budget_s, bool may_shrink,
                           const CancelToken& cancel) {
    if (n < 16 || budget_s <= 0.0) {
        return fail(ErrorCode::InvalidArgument, "GEMM measurement needs n >= 16 and a time budget");
    }
    return guard_exceptions("measuring GEMM", [&]() -> Result<GemmFigure> {
        at::NoGradGuard no_grad;
        const Stopwatch total;
        // Estimate the rate on a smaller product and shrink n only when one repetition would
        // not fit the budget: the reference BLAS needs ~3 s for one 2048 product.
        int64_t side = n;
        if (may_shrink) {
            const int64_t probe_n = std::min<int64_t>(n, 512);
            SquareProduct probe(route, probe_n);
            probe.run();
            const Stopwatch once;
            probe.run();
            const double rate =
                2.0 * std::pow(static_cast<double>(probe_n), 3) / std::max(once.seconds(), 1e-6);
            const double affordable = std::cbrt(rate * budget_s);
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
            const Stopwatch once;
            product.run();
            best = std::min(best, once.seconds());
            ++figure.reps;
        } while (total.seconds() < budget_s || figure.reps < 2);
        figure.seconds = total.seconds();
        figure.gflops = 2.0 * std::pow(static_cast<double>(side), 3) / best / 1e9;
        return figure;
    });
}

}  // namespace

Result<GemmFigure> measure_gemm(GemmRoute route, int64_t n, double budget_s,
                                const CancelToken& cancel) {
    return measure(route, n, budget_s, /*may_shrink=*/true, cancel);
}

Result<GemmPeak> measure_gemm_peak(int64_t n, double budget_s_each, const CancelToken& cancel) {
    GemmPeak peak;
    for (auto [route, slot] :
         {std::pair{GemmRoute::BlasF32, &peak.blas}, std::pair{GemmRoute::OneDnnF32, &peak.onednn},
          std::pair{GemmRoute::Bf16, &peak.bf16}}) {
        // The peak is defined on n x n exactly, however long a slow BLAS takes.
        auto figure = measure(route, n, budget_s_each, /*may_shrink=*/false, cancel);
        if (!figure) {
            return fail(figure.error());
        }
        *slot = *figure;
    }
    return peak;
}

}  // namespace taxoscope::core
