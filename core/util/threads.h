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

// How many threads one of core's own parallel loops (at::parallel_for) actually spreads over.
// It equals current_thread_count() when core is built as it must be: LibTorch's OpenMP backend
// splits a loop only in code compiled with OpenMP, and runs it on one thread otherwise.
int parallel_loop_width();

// Threads of the loaded OpenBLAS; 0 when the BLAS has no pool of its own (reference BLAS).
int blas_thread_count();

}  // namespace taxoscope::core
