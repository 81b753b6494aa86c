#include "core/store/dtype.h"

#include <array>

namespace taxoscope::core {
namespace {

struct DTypeInfo {
    DType dtype;
    size_t size;
    std::string_view name;
    std::string_view npy;  // empty: no numpy spelling
    std::string_view safetensors;
};

constexpr std::array<DTypeInfo, 10> kTypes{{
    {DType::F16, 2, "float16", "<f2", "F16"},
    {DType::BF16, 2, "bfloat16", "", "BF16"},
    {DType::F32, 4, "float32", "<f4", "F32"},
    {DType::F64, 8, "float64", "<f8", "F64"},
    {DType::I8, 1, "int8", "|i1", "I8"},
    {DType::U8, 1, "uint8", "|u1", "U8"},
    {DType::I16, 2, "int16", "<i2", "I16"},
    {DType::I32, 4, "int32", "<i4", "I32"},
    {DType::I64, 8, "int64", "<i8", "I64"},
    {DType::Bool, 1, "bool", "|b1", "BOOL"},
}};

const DTypeInfo& info(DType dtype) {
    for (const auto& entry : kTypes) {
        if (entry.dtype == dtype) {
            return entry;
        }
    }
    return kTypes[0];  // unreachable: every enumerator is listed
}

}  // namespace

size_t dtype_size(DType dtype) {
    return info(dtype).size;
}

std::string_view dtype_name(DType dtype) {
    return info(dtype).name;
}

std::optional<std::string> dtype_to_npy(DType dtype) {
    const auto& entry = info(dtype);
    if (entry.npy.empty()) {
        return std::nullopt;
    }
    return std::string(entry.npy);
}

std::optional<DType> dtype_from_npy(std::string_view descr) {
    // Single-byte types may be written with '|', '<' or '=' (all mean the same for one byte).
    for (const auto& entry : kTypes) {
        if (entry.npy.empty()) {
            continue;
        }
        if (descr == entry.npy) {
            return entry.dtype;
        }
        if (entry.size == 1 && descr.size() == 3 &&
            (descr[0] == '<' || descr[0] == '=' || descr[0] == '|') &&
            descr.substr(1) == entry.npy.substr(1)) {
            return entry.dtype;
        }
    }
    return std::nullopt;
}

std::string_view dtype_to_safetensors(DType dtype) {
    return info(dtype).safetensors;
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
    for (const auto& entry : kTypes) {
        if (name == entry.safetensors) {
            return entry.dtype;
        }
    }
    return std::nullopt;
}

}  // namespace taxoscope::core
