// Compiled into every taxoscope executable (not into a library: only an executable's
// .preinit_array runs before the shared libraries' initialisers).
//
// LibTorch's OpenMP threads spin for a while after each parallel region, and OpenBLAS's pthread
// pool spins too; on a machine with few cores the two pools then fight over every core: training
// the demo ViT ran 9x slower with the defaults than with a short spin (docs/compute.md). libgomp
// reads its wait policy once, in its own initialiser, so the setting has to be in the
// environment before that runs. A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
#include <cstdlib>

namespace {

void shorten_openmp_spin(int, char**, char**) {
    if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr) {
        setenv("GOMP_SPINCOUNT", "1000", 0);
    }
}

using PreinitFunction = void (*)(int, char**, char**);
__attribute__((section(".preinit_array"), used)) const PreinitFunction run_early =
    &shorten_openmp_spin;

}  // namespace
