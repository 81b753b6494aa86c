// TensorView <-> torch::Tensor. Include from .cpp files only (LibTorch headers are heavy).
#pragma once

#include <torch/torch.h>

#include "core/store/tensor_view.h"
#include "core/util/error.h"

namespace taxoscope::core {

inline torch::ScalarType to_torch_dtype(DType dtype) {
    switch (dtype) {
        case DType::F16:
            return torch::kHalf;
        case DType::BF16:
            return torch::kBFloat16;
        case DType::F32:
            return torch::kFloat;
        case DType::F64:
            return torch::kDouble;
        case DType::I8:
            return torch::kChar;
        case DType::U8:
            return torch::kByte;
        case DType::I16:
            return torch::kShort;
        case DType::I32:
            return torch::kInt;
        case DType::I64:
            return torch::kLong;
        case DType::Bool:
            return torch::kBool;
    }
    return torch::kFloat;
}

inline Result<DType> from_torch_dtype(torch::ScalarType type) {
    switch (type) {
        case torch::kHalf:
            return DType::F16;
        case torch::kBFloat16:
            return DType::BF16;
        case torch::kFloat:
            return DType::F32;
        case torch::kDouble:
            return DType::F64;
        case torch::kChar:
            return DType::I8;
        case torch::kByte:
            return DType::U8;
        case torch::kShort:
            return DType::I16;
        case torch::kInt:
            return DType::I32;
        case torch::kLong:
            return DType::I64;
        case torch::kBool:
            return DType::Bool;
        default:
            return fail(ErrorCode::Unsupported,
                        std::string("tensor type ") + c10::toString(type) + " cannot be stored");
    }
}

// A tensor over the view's memory, no copy: valid only while the store that owns it lives, and
// read-only in spirit (the mapping is PROT_READ; writing to it crashes). clone() to own it.
inline torch::Tensor to_torch(const TensorView& view) {
    return torch::from_blob(const_cast<void*>(view.data), view.shape,
                            torch::TensorOptions().dtype(to_torch_dtype(view.dtype)));
}

// A view of a contiguous CPU tensor; the tensor must outlive the view.
inline Result<TensorView> view_of(const torch::Tensor& tensor) {
    if (!tensor.device().is_cpu() || !tensor.is_contiguous()) {
        return fail(ErrorCode::InvalidArgument,
                    "only contiguous CPU tensors can be stored; call .contiguous().cpu()");
    }
    auto dtype = from_torch_dtype(tensor.scalar_type());
    if (!dtype) {
        return fail(dtype.error());
    }
    return TensorView{tensor.data_ptr(), *dtype, tensor.sizes().vec()};
}

}  // namespace taxoscope::core
