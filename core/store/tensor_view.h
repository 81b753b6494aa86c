// A non-owning, torch-free view of a C-contiguous tensor held by a store (a mapped file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/dtype.h"

namespace taxoscope::core {

struct TensorView {
    const void* data = nullptr;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;

    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) {
            n *= d;
        }
        return n;
    }
    size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }

    template <typename T>
    const T* as() const {
        return static_cast<const T*>(data);
    }
};

// "[1000, 768]"
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace taxoscope::core
