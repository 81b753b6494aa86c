#include "core/util/memory_reuse.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace taxoscope::core {

bool keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
        return false;
    }
    const int bytes = static_cast<int>(kKeptAllocationBytes);
    return mallopt(M_MMAP_THRESHOLD, bytes) == 1 && mallopt(M_TRIM_THRESHOLD, bytes) == 1;
#else
    return false;
#endif
}

}  // namespace taxoscope::core
