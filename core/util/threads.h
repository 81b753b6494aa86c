// One thread count for every parallel part of core: LibTorch intra-op (and OpenMP), OpenCV,
// and OpenBLAS's own pool when OpenBLAS is the loaded BLAS.
#pragma once

namespace taxoscope::core {

// Number of logical cores this process may use.
int available_cores();

// n <= 0 means all available cores. Returns the count applied.
int apply_thread_count(int n);

// LibTorch's intra-op (and OpenMP) thread count now in effect.
int current_thread_count();

// Threads of the loaded OpenBLAS; 0 when the BLAS has no pool of its own (reference BLAS).
int blas_thread_count();

}  // namespace taxoscope::core
