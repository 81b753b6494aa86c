#include "core/sae/activation_rows.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

namespace taxoscope::core {
namespace {

template <typename T>
void widen(const void* data, int64_t n, float* out) {
    const T* in = static_cast<const T*>(data);
    for (int64_t i = 0; i < n; ++i) {
        out[i] = static_cast<float>(in[i]);
    }
}

}  // namespace

Result<NpyFile> open_activation_file(const std::filesystem::path& path) {
    auto file = NpyFile::open(path);
    if (!file) {
        return file;
    }
    const std::string where = path.string();
    const NpyHeader& h = file->header();
    if (h.shape.size() != 2 || h.shape[1] <= 0) {
        return fail(
            ErrorCode::ShapeMismatch,
            where + ": activations must be a 2-D array [N, D], got " + shape_to_string(h.shape));
    }
    if (h.dtype != DType::F32 && h.dtype != DType::F16 && h.dtype != DType::BF16) {
        return fail(ErrorCode::Unsupported, where +
                                                ": activations must be float16 or float32, got " +
                                                std::string(dtype_name(h.dtype)));
    }
    return file;
}

void copy_rows_as_float(const NpyFile& file, int64_t first, int64_t count, float* out) {
    const TensorView row = file.row(first);
    const int64_t n = count * row.shape[0];
    switch (row.dtype) {
        case DType::F16:
            widen<c10::Half>(row.data, n, out);
            break;
        case DType::BF16:
            widen<c10::BFloat16>(row.data, n, out);
            break;
        default:
            widen<float>(row.data, n, out);
            break;
    }
}

RowSource activation_row_source(const NpyFile& file) {
    RowSource source;
    source.rows = file.header().shape[0];
    const int64_t d = file.header().shape[1];
    source.read = [&file, d](int64_t first, int64_t count,
                             std::vector<float>& scratch) -> Result<const float*> {
        if (file.header().dtype == DType::F32) {
            return file.row(first).as<float>();
        }
        scratch.resize(static_cast<size_t>(count * d));
        copy_rows_as_float(file, first, count, scratch.data());
        return scratch.data();
    };
    return source;
}

}  // namespace taxoscope::core
