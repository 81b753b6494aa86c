#include "core/util/threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>

namespace taxoscope::core {

int available_cores() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

int apply_thread_count(int n) {
    const int count = n > 0 ? n : available_cores();
    at::set_num_threads(count);  // also sets OpenMP's count in LibTorch's OpenMP builds
    cv::setNumThreads(count);
    // OpenBLAS (pthread build) keeps its own pool sized to all cores; LibTorch never tells it.
    using SetThreads = void (*)(int);
    if (auto set_blas =
            reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
        set_blas(count);
    }
    return count;
}

int current_thread_count() {
    return at::get_num_threads();
}

int parallel_loop_width() {
    // Enough one-item chunks for every thread; each chunk marks the thread that ran it.
    const int threads = current_thread_count();
    std::atomic<uint64_t> seen{0};
    at::parallel_for(0, std::max(threads, 1), 1, [&](int64_t, int64_t) {
        seen.fetch_or(uint64_t{1} << (at::get_thread_num() % 64), std::memory_order_relaxed);
    });
    return __builtin_popcountll(seen.load());
}

int blas_thread_count() {
    using GetThreads = int (*)();
    auto get_blas = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get_blas != nullptr ? get_blas() : 0;
}

}  // namespace taxoscope::core
