#include "core/data/idx_file.h"

#include <zlib.h>

namespace taxoscope::core {

Result<IdxArray> read_idx_u8(const std::filesystem::path& path) {
    gzFile file = gzopen(path.c_str(), "rb");  // also reads uncompressed files as they are
    if (file == nullptr) {
        return fail(ErrorCode::NotFound, path.string() + ": cannot be opened");
    }
    struct Closer {
        gzFile f;
        ~Closer() { gzclose(f); }
    } closer{file};
    auto read_exact = [&](void* out, size_t size) {
        return gzread(file, out, static_cast<unsigned>(size)) == static_cast<int>(size);
    };
    uint8_t magic[4];
    if (!read_exact(magic, 4) || magic[0] != 0 || magic[1] != 0) {
        return fail(ErrorCode::Parse, path.string() + ": not an IDX file (bad magic)");
    }
    if (magic[2] != 0x08) {
        return fail(ErrorCode::Unsupported, path.string() + ": IDX element type " +
                                                std::to_string(magic[2]) +
                                                " is not unsigned bytes");
    }
    const int dims = magic[3];
    if (dims < 1 || dims > 4) {
        return fail(ErrorCode::Parse, path.string() + ": IDX with " + std::to_string(dims) +
                                          " dimensions is not supported");
    }
    IdxArray out;
    uint64_t total = 1;
    for (int d = 0; d < dims; ++d) {
        uint8_t be[4];
        if (!read_exact(be, 4)) {
            return fail(ErrorCode::Parse, path.string() + ": file ends inside the IDX header");
        }
        const uint32_t n = (uint32_t(be[0]) << 24) | (uint32_t(be[1]) << 16) |
                           (uint32_t(be[2]) << 8) | uint32_t(be[3]);
        out.shape.push_back(n);
        total *= n;
    }
    if (total > (1ull << 32)) {
        return fail(ErrorCode::Parse, path.string() + ": IDX header claims an absurd size");
    }
    out.data.resize(total);
    if (total > 0 && !read_exact(out.data.data(), total)) {
        return fail(ErrorCode::Parse, path.string() + ": truncated (header promises " +
                                          std::to_string(total) + " bytes)");
    }
    return out;
}

}  // namespace taxoscope::core
