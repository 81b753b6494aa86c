// Hot loops over codes are built once per x86-64 level (AVX-512, AVX2+FMA, baseline SSE2) and
// the loader picks the best one for the running CPU: the release build targets plain x86-64 so
// that one binary runs everywhere, and these few loops are where the wider vectors pay.
// Internal to core.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TAXOSCOPE_SIMD_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TAXOSCOPE_SIMD_CLONES
#endif
