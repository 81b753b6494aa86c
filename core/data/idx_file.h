// IDX files (the MNIST / Fashion-MNIST container), optionally gzip-compressed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

struct IdxArray {
    std::vector<int64_t> shape;  // e.g. [60000, 28, 28] or [60000]
    std::vector<uint8_t> data;   // unsigned bytes only (type code 0x08)
};

// Reads .gz transparently (zlib); checks the magic, the type code and the size.
Result<IdxArray> read_idx_u8(const std::filesystem::path& path);

}  // namespace taxoscope::core
