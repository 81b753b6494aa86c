// The SAE workload every analysis pass runs: encode N rows and keep the top-k rows per feature,
// streaming. `taxoscope-cli bench` and the SAE/analysis benchmarks measure it.
#pragma once

#include <cstdint>

#include "core/compute/sae_kernel.h"

namespace taxoscope::core {

struct EncodeWorkload {
    int64_t rows = 50000;
    int64_t d_in = 1536;
    int64_t d_sae = 12288;
    int64_t top_k = 32;  // rows kept per feature
    Precision precision = Precision::F32;
    GemmBackend backend = GemmBackend::Auto;
};

struct EncodeThroughput {
    EncodeWorkload workload;
    GemmBackend backend = GemmBackend::Blas;  // what Auto resolved to
    int64_t block_rows = 0;
    double prepare_s = 0.0;  // weight layout and backend measurement, not in the rate
    double seconds = 0.0;    // encode + top-k over all rows
    double gflops = 0.0;     // 2 * rows * d_in * d_sae / seconds
};

// Synthetic ReLU SAE and Gaussian rows (a few thousand distinct rows, cycled, so memory stays
// small while every block is read from memory as a mapped activations file would be).
Result<EncodeThroughput> measure_encode_top_k(const EncodeWorkload& workload,
                                              ProgressSink& progress, const CancelToken& cancel);

}  // namespace taxoscope::core
