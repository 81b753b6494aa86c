// Asking for a cache line before it is needed, for loops that update big tables at addresses
// they know a few iterations ahead but the hardware prefetcher cannot guess (scattered lines of
// a table far larger than cache). A hint only: it never faults and changes no result.
#pragma once

namespace taxoscope::core {

// Starts bringing the line holding `address` into cache, to be written soon.
inline void prefetch_for_write(const void* address) {
#if defined(__GNUC__) || defined(__clang__)
    // Locality 0: each line is written once per visit, so keep it out of the outer levels.
    __builtin_prefetch(address, 1, 0);
#else
    (void)address;
#endif
}

}  // namespace taxoscope::core
