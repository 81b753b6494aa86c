#include "core/compute/blas_library.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <memory>

namespace taxoscope::core {
namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

std::string real_path(const char* path) {
    std::unique_ptr<char, decltype(&std::free)> resolved(realpath(path, nullptr), &std::free);
    return resolved ? std::string(resolved.get()) : std::string(path);
}

// OpenBLAS reports how it was built and which kernel set it picked for this CPU.
std::string openblas_detail(void* handle) {
    using TextFn = char* (*)();
    auto config = reinterpret_cast<TextFn>(dlsym(handle, "openblas_get_config"));
    auto core = reinterpret_cast<TextFn>(dlsym(handle, "openblas_get_corename"));
    std::string text;
    if (config != nullptr) {
        text = config();
    }
    if (core != nullptr) {
        text += std::string(text.empty() ? "" : ", ") + "core " + core();
    }
    return text;
}

}  // namespace

std::string_view to_string(BlasKind kind) {
    switch (kind) {
        case BlasKind::OpenBlas:
            return "OpenBLAS";
        case BlasKind::Reference:
            return "reference BLAS (netlib)";
        case BlasKind::Mkl:
            return "Intel MKL";
        case BlasKind::Blis:
            return "BLIS";
        case BlasKind::Atlas:
            return "ATLAS";
        case BlasKind::Other:
            return "unknown BLAS";
        case BlasKind::NotFound:
            break;
    }
    return "no BLAS loaded";
}

BlasKind classify_blas_path(std::string_view path) {
    if (path.empty()) {
        return BlasKind::NotFound;
    }
    if (contains(path, "openblas")) {
        return BlasKind::OpenBlas;
    }
    if (contains(path, "mkl")) {
        return BlasKind::Mkl;
    }
    if (contains(path, "blis")) {
        return BlasKind::Blis;
    }
    if (contains(path, "atlas")) {
        return BlasKind::Atlas;
    }
    // Debian installs netlib's library as <libdir>/blas/libblas.so.3.x; a bare libblas.so.3 that
    // is none of the above is netlib on every distribution we know of as well.
    const auto slash = path.rfind('/');
    const std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (file.rfind("libblas.so", 0) == 0 || file.rfind("librefblas", 0) == 0) {
        return BlasKind::Reference;
    }
    return BlasKind::Other;
}

BlasLibrary identify_blas(const void* sgemm_symbol) {
    BlasLibrary library;
    Dl_info info{};
    if (sgemm_symbol == nullptr || dladdr(sgemm_symbol, &info) == 0 || info.dli_fname == nullptr) {
        return library;
    }
    library.path = real_path(info.dli_fname);
    library.kind = classify_blas_path(library.path);
    // Ask the object itself too: a renamed OpenBLAS still exports its own entry points.
    if (void* handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD)) {
        std::string detail = openblas_detail(handle);
        if (!detail.empty() && library.kind != BlasKind::Reference) {
            library.kind = BlasKind::OpenBlas;
            library.detail = std::move(detail);
        }
        dlclose(handle);
    }
    return library;
}

BlasLibrary loaded_blas() {
    // The global scope is what LibTorch's own sgemm_ call binds to.
    return identify_blas(dlsym(RTLD_DEFAULT, "sgemm_"));
}

}  // namespace taxoscope::core
