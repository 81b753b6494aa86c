// The .npy header (format versions 1.0, 2.0 and 3.0): parsing with validation, and formatting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/dtype.h"
#include "core/util/error.h"

namespace taxoscope::core {

struct NpyHeader {
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    size_t data_offset = 0;  // bytes before the first element
    int major_version = 1;
};

// Parses the header at the start of `bytes` (`size` is the whole file, so that the shape can be
// checked against it). `name` is used in messages. Requires fortran_order False and an exact
// match between the shape and the bytes that follow the header.
Result<NpyHeader> parse_npy_header(const uint8_t* bytes, size_t size, const std::string& name);

// A version 1.0 header for C-ordered data, padded with spaces to exactly `total_size` bytes
// (a multiple of 64) so it can be rewritten in place once the final row count is known.
// Fails when the text does not fit.
Result<std::string> format_npy_header(DType dtype, const std::vector<int64_t>& shape,
                                      size_t total_size);

// The smallest multiple of 64 that holds the header for this shape.
size_t npy_header_size(DType dtype, const std::vector<int64_t>& shape);

}  // namespace taxoscope::core
