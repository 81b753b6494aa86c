// One thread count for every parallel part of core: LibTorch intra-op (and OpenMP), OpenCV.
#pragma once

namespace taxoscope::core {

// Number of logical cores this process may use.
int available_cores();

// n <= 0 means all available cores. Returns the count applied.
int apply_thread_count(int n);

}  // namespace taxoscope::core
