#include "core/util/thread_waits.h"

#include <unistd.h>

#include <cstdlib>

namespace taxoscope::core {
namespace {

bool set(const char* name) {
    return std::getenv(name) != nullptr;
}

}  // namespace

void restart_with_short_thread_waits(char** argv) {
    bool changed = false;
    if (!set("OMP_WAIT_POLICY") && !set("GOMP_SPINCOUNT")) {
        changed = setenv("GOMP_SPINCOUNT", "1000", 0) == 0 || changed;
    }
    if (!set("OPENBLAS_THREAD_TIMEOUT") && !set("GOTO_THREAD_TIMEOUT")) {
        changed = setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0) == 0 || changed;
    }
    if (changed && argv != nullptr) {
        execv("/proc/self/exe", argv);  // returns only on failure: then run with the defaults
    }
}

}  // namespace taxoscope::core
