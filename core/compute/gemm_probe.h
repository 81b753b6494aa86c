// Short GEMM measurements of the three routes a dense product can take here, for `doctor` and
// `bench`. "GEMM peak" (DESIGN.md) = the better of the two fp32 routes on 2048 x 2048.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/util/cancel.h"
#include "core/util/error.h"

namespace taxoscope::core {

enum class GemmRoute {
    BlasF32,    // at::mm on plain fp32 tensors: the loaded libblas.so.3
    OneDnnF32,  // at::mkldnn_linear on oneDNN-layout fp32 tensors
    Bf16,       // at::mm on bf16 tensors (LibTorch hands these to oneDNN)
};

std::string_view to_string(GemmRoute route);

struct GemmFigure {
    GemmRoute route = GemmRoute::BlasF32;
    int64_t n = 0;  // side of the square product actually measured
    int reps = 0;
    double seconds = 0.0;  // total time spent, warm-up included
    double gflops = 0.0;   // best repetition: 2 n^3 / time
};

// Square n x n products for about `budget_s` seconds. A slow BLAS (the reference one needs
// ~3 s for one 2048 product) gets a smaller n so the budget holds; the figure says which n.
Result<GemmFigure> measure_gemm(GemmRoute route, int64_t n, double budget_s,
                                const CancelToken& cancel);

struct GemmPeak {
    GemmFigure blas;
    GemmFigure onednn;
    GemmFigure bf16;
    double fp32_peak() const { return blas.gflops > onednn.gflops ? blas.gflops : onednn.gflops; }
};

Result<GemmPeak> measure_gemm_peak(int64_t n, double budget_s_each, const CancelToken& cancel);

}  // namespace taxoscope::core
