#include "core/compute/cpu_features.h"

#include <cpuid.h>

#include <array>
#include <cstring>

namespace taxoscope::core {
namespace {

std::string cpu_brand() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000004u) {
        return {};
    }
    std::array<char, 49> text{};
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
        std::array<unsigned, 4> regs{};
        __get_cpuid(0x80000002u + leaf, &regs[0], &regs[1], &regs[2], &regs[3]);
        std::memcpy(text.data() + 16 * leaf, regs.data(), 16);
    }
    std::string brand(text.data());
    const auto first = brand.find_first_not_of(' ');
    const auto last = brand.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : brand.substr(first, last - first + 1);
}

// GCC's __builtin_cpu_supports has no name for AMX; read leaf 7 and check that the OS enabled
// the tile state (XCR0 bits 17 and 18), otherwise the instructions fault.
bool amx_bf16_usable() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) {
        return false;
    }
    const bool cpu_has = (edx & (1u << 22)) != 0;
    if (!cpu_has) {
        return false;
    }
    unsigned xcr0_low = 0, xcr0_high = 0;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    return (xcr0_low & (3u << 17)) == (3u << 17);
}

}  // namespace

CpuFeatures detect_cpu_features() {
    __builtin_cpu_init();
    CpuFeatures features;
    // These builtins also check XCR0, so a CPU whose OS does not save zmm state reports false.
    features.avx2 = __builtin_cpu_supports("avx2");
    features.fma = __builtin_cpu_supports("fma");
    features.avx512f = __builtin_cpu_supports("avx512f");
    features.avx512_bf16 = __builtin_cpu_supports("avx512bf16");
    features.amx_bf16 = amx_bf16_usable();
    features.brand = cpu_brand();
    return features;
}

std::string describe(const CpuFeatures& features) {
    std::string text;
    auto add = [&text](bool present, const char* name) {
        if (present) {
            text += text.empty() ? "" : " ";
            text += name;
        }
    };
    add(features.avx2, "AVX2");
    add(features.fma, "FMA");
    add(features.avx512f, "AVX-512F");
    add(features.avx512_bf16, "AVX-512-BF16");
    add(features.amx_bf16, "AMX-BF16");
    return text.empty() ? "none of AVX2, AVX-512" : text;
}

}  // namespace taxoscope::core
