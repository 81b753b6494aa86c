#include "core/util/threads.h"

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
    return count;
}

}  // namespace taxoscope::core
