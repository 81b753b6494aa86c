// Short idle waits for the two thread pools that share the cores: LibTorch's OpenMP threads and
// OpenBLAS's pthread workers. Both spin by default when idle (libgomp 300,000 spins after each
// parallel region; OpenBLAS's workers call sched_yield for up to 2^28 cycles after a product),
// so in a loop of small products and element-wise ops — training the demo ViT or an SAE — they
// spin at once and every op waits for a core (docs/compute.md has the figures).
//
// Both libraries read their settings once, while the process starts, before main(); glibc also
// resets the environment after .preinit_array code runs. So the only way in is the environment
// of a fresh image: call this first thing in main().
#pragma once

namespace taxoscope::core {

// When the environment does not already say how these pools wait (the user's own
// OMP_WAIT_POLICY, GOMP_SPINCOUNT, OPENBLAS_THREAD_TIMEOUT or GOTO_THREAD_TIMEOUT win), adds
// the short waits (GOMP_SPINCOUNT=1000, OPENBLAS_THREAD_TIMEOUT=4) and re-executes this program
// with the same arguments (same process id). Returns only when nothing had to change or when
// re-executing failed.
void restart_with_short_thread_waits(char** argv);

}  // namespace taxoscope::core
