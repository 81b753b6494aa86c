// Which BLAS this process really calls. Debian's LibTorch calls whatever `libblas.so.3` the
// alternatives system selects; the netlib reference BLAS there is ~20x slower than OpenBLAS.
#pragma once

#include <string>
#include <string_view>

namespace taxoscope::core {

enum class BlasKind {
    OpenBlas,
    Reference,  // netlib's reference implementation: correct, unoptimised
    Mkl,
    Blis,
    Atlas,
    Other,     // something defines sgemm_, but the path does not say what
    NotFound,  // no sgemm_ in the process
};

std::string_view to_string(BlasKind kind);

struct BlasLibrary {
    BlasKind kind = BlasKind::NotFound;
    std::string path;    // real path of the object that defines sgemm_
    std::string detail;  // OpenBLAS: its build configuration and core, e.g. "... Zen"
};

// Names a BLAS from the real path of the object that holds sgemm_ (the Debian layouts:
// .../blas/libblas.so.3 is netlib, .../openblas-pthread/libblas.so.3 is OpenBLAS).
BlasKind classify_blas_path(std::string_view real_path);

// Identifies the library that holds `sgemm_symbol` (any address inside a loaded object).
BlasLibrary identify_blas(const void* sgemm_symbol);

// The BLAS that `sgemm_` resolves to in this process: what LibTorch's fp32 matmul runs on.
BlasLibrary loaded_blas();

// The package that fixes a slow BLAS on Debian, for warnings.
inline constexpr std::string_view kFastBlasPackage = "libopenblas0-pthread";

}  // namespace taxoscope::core
