#include "core/util/huge_pages.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <ATen/Parallel.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace taxoscope::core {

bool advise_huge_pages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
    const auto start = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (start + kHugePage - 1) & ~(kHugePage - 1);
    const std::uintptr_t last = (start + bytes) & ~(kHugePage - 1);
    if (data == nullptr || last <= first) {
        return false;
    }
    return madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) == 0;
#else
    (void)data;
    (void)bytes;
    return false;
#endif
}

void fault_in_parallel(void* data, std::size_t bytes) {
    // Tasks own whole aligned 2 MiB pieces, so each huge page is faulted by one thread.
    constexpr std::uintptr_t kPiece = std::uintptr_t{2} << 20;
    if (data == nullptr || bytes < 2 * kPiece) {
        return;
    }
    const auto start = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t end = start + bytes;
    const std::uintptr_t grid = start & ~(kPiece - 1);
    const auto pieces = static_cast<int64_t>((end - grid + kPiece - 1) / kPiece);
    at::parallel_for(0, pieces, 1, [&](int64_t begin, int64_t stop) {
        for (int64_t p = begin; p < stop; ++p) {
            const std::uintptr_t from =
                std::max(start, grid + static_cast<std::uintptr_t>(p) * kPiece);
            const std::uintptr_t to =
                std::min(end, grid + static_cast<std::uintptr_t>(p + 1) * kPiece);
            std::memset(reinterpret_cast<void*>(from), 0, to - from);
        }
    });
}

}  // namespace taxoscope::core
