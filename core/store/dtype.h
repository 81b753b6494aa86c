// Element types shared by the .npy and safetensors stores, with each format's spelling.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace taxoscope::core {

enum class DType { F16, BF16, F32, F64, I8, U8, I16, I32, I64, Bool };

size_t dtype_size(DType dtype);
// Short human name: "float16", "int64", ...
std::string_view dtype_name(DType dtype);

// numpy descr strings; little-endian only ("<f2", "|u1", ...). BF16 has no numpy spelling.
std::optional<std::string> dtype_to_npy(DType dtype);
std::optional<DType> dtype_from_npy(std::string_view descr);

// safetensors spellings: "F16", "BF16", "F32", "F64", "I8", "U8", "I16", "I32", "I64", "BOOL".
std::string_view dtype_to_safetensors(DType dtype);
std::optional<DType> dtype_from_safetensors(std::string_view name);

}  // namespace taxoscope::core
