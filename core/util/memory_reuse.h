// Large tensors freed by one batch are the same sizes the next batch asks for. glibc's default
// returns blocks over its mmap threshold (and free memory above the heap's trim threshold) to
// the kernel at once, so every forward pass maps, faults in and zeroes its activations again:
// a quarter of `extract`'s CPU time on MobileNetV2 went to the kernel's page handling
// (docs/compute.md, "Memory reuse").
#pragma once

#include <cstddef>

namespace taxoscope::core {

// Blocks below this many bytes come from (and return to) the process's heap.
inline constexpr std::size_t kKeptAllocationBytes = std::size_t{256} << 20;

// Keeps freed blocks of up to kKeptAllocationBytes in the process for reuse, and trims the heap
// only when more than that is free at its top. Call early in main(); a user's own
// GLIBC_TUNABLES malloc settings are left alone. Returns whether the settings were applied.
bool keep_freed_memory_for_reuse();

}  // namespace taxoscope::core
