// Compiled into every taxoscope executable (not into a library: only an executable's
// .preinit_array runs before the shared libraries' initialisers).
//
// LibTorch's OpenMP threads spin for a while after each parallel region, and OpenBLAS's pthread
// workers spin (sched_yield) for up to 2^28 cycles after each product. In a loop of small
// products and element-wise ops — training the demo ViT or an SAE — both pools then spin at
// once on a machine with few cores, and every op waits for a core: on 2 cores the demo ViT
// trained at 1.5 s per step with the defaults and 0.2 s with short waits, an SAE at 28 steps/s
// instead of ~50-80 (docs/compute.md). Both libraries read these settings once, in their own
// initialisers, so they have to be in the environment before those run. A user's own settings
// win.
#include <cstdlib>

namespace {

void shorten_thread_pool_waits(int, char**, char**) {
    if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr) {
        setenv("GOMP_SPINCOUNT", "1000", 0);
    }
    // 2^4 cycles: OpenBLAS's workers go to sleep almost at once after a product.
    if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr &&
        std::getenv("GOTO_THREAD_TIMEOUT") == nullptr) {
        setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
    }
}

using PreinitFunction = void (*)(int, char**, char**);
__attribute__((section(".preinit_array"), used)) const PreinitFunction run_early =
    &shorten_thread_pool_waits;

}  // namespace
