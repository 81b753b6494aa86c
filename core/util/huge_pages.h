// The analysis's [classes, features] tables are ~100 MB each. Faulted in 4 KiB at a time, each
// costs ~25,000 page faults; on 2 MiB pages, 512 times fewer (allocating the statistics' tables
// went from 0.13-0.16 s to 0.05-0.07 s; their random updates did not get measurably faster).
// Kernels set to transparent huge pages "madvise" (Debian's default) give them only to ranges
// that ask.
#pragma once

#include <cstddef>
#include <vector>

namespace taxoscope::core {

// Asks for huge pages on the 2 MiB-aligned part of [data, data + bytes). Only pages touched
// afterwards are affected; a no-op where the kernel has no THP. Returns whether it was applied.
bool advise_huge_pages(void* data, std::size_t bytes);

// Touches every page of [data, data + bytes) once, split over LibTorch's threads, so that the
// page faults (and the kernel's zeroing) of a fresh block run on every core. Writes zero bytes:
// only for storage that holds no live objects yet. 197 MB of [C, D] cells took 0.17-0.39 s to
// allocate and fill from one thread, and 0.05-0.07 s when faulted in from two first (the fault
// 0.02-0.04 s of it; fresh processes, alternating).
void fault_in_parallel(void* data, std::size_t bytes);

// v = n copies of value, in storage advised for huge pages and faulted in by all threads before
// its first element is written.
template <typename T>
void assign_on_huge_pages(std::vector<T>& v, std::size_t n, const T& value) {
    std::vector<T>().swap(v);
    v.reserve(n);
    advise_huge_pages(v.data(), n * sizeof(T));
    fault_in_parallel(v.data(), n * sizeof(T));
    v.assign(n, value);
}

}  // namespace taxoscope::core
