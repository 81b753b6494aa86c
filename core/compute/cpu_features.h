// The CPU's vector extensions, as the dense products can use them.
#pragma once

#include <string>

namespace taxoscope::core {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
    bool avx512_bf16 = false;  // native bf16 dot products: what makes --precision bf16 pay off
    bool amx_bf16 = false;
    std::string brand;  // "AMD EPYC 9R45", empty when the CPU does not say
};

// Asks the CPU (cpuid, with the OS's consent to save the wide registers), not /proc/cpuinfo.
CpuFeatures detect_cpu_features();

// "AVX2 FMA AVX-512F AVX-512-BF16" (only the ones present), or "none of AVX2, AVX-512".
std::string describe(const CpuFeatures& features);

}  // namespace taxoscope::core
