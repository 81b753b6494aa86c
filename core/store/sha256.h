// SHA-256 of files (FIPS 180-4), so a workspace records exactly which model produced it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/util/error.h"

namespace taxoscope::core {

class Sha256 {
  public:
    Sha256();
    void update(const void* data, size_t size);
    // Lower-case hex; the object must not be updated afterwards.
    std::string hex_digest();

  private:
    void compress(const uint8_t* block);
    std::array<uint32_t, 8> state_;
    std::array<uint8_t, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t length_ = 0;
};

Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace taxoscope::core
