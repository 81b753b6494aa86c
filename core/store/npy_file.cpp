#include "core/store/npy_file.h"

#include <limits>

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include "core/store/atomic_file.h"

namespace taxoscope::core {
namespace {

// Room for any 2-D shape up to 19-digit dimensions: the header never has to grow at finish().
std::vector<int64_t> widest_shape(int64_t cols) {
    return {std::numeric_limits<int64_t>::max(), cols};
}

}  // namespace

Result<NpyFile> NpyFile::open(const std::filesystem::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) {
        return fail(mapped.error());
    }
    auto header = parse_npy_header((*mapped)->data(), (*mapped)->size(), path.string());
    if (!header) {
        return fail(header.error());
    }
    NpyFile file;
    file.file_ = std::move(*mapped);
    file.header_ = std::move(*header);
    return file;
}

TensorView NpyFile::view() const {
    TensorView v;
    v.data = file_->data() + header_.data_offset;
    v.dtype = header_.dtype;
    v.shape = header_.shape;
    return v;
}

TensorView NpyFile::row(int64_t i) const {
    TensorView v;
    v.dtype = header_.dtype;
    v.shape = {header_.shape.size() == 2 ? header_.shape[1] : 1};
    v.data = file_->data() + header_.data_offset +
             static_cast<size_t>(i) * static_cast<size_t>(v.shape[0]) * dtype_size(v.dtype);
    return v;
}

std::filesystem::path NpyRowWriter::partial_path(const std::filesystem::path& final_path) {
    return final_path.parent_path() / (final_path.filename().string() + ".partial");
}

Result<NpyRowWriter> NpyRowWriter::create(const std::filesystem::path& final_path, DType dtype,
                                          int64_t cols) {
    if (cols <= 0) {
        return fail(
            ErrorCode::InvalidArgument,
            final_path.string() + ": row width must be positive, got " + std::to_string(cols));
    }
    NpyRowWriter writer;
    writer.final_path_ = final_path;
    writer.dtype_ = dtype;
    writer.cols_ = cols;
    writer.header_size_ = npy_header_size(dtype, widest_shape(cols));
    auto header = format_npy_header(dtype, {0, cols}, writer.header_size_);
    if (!header) {
        return fail(header.error().with_context(final_path.string()));
    }
    auto file = FileHandle::create_new(partial_path(final_path));
    if (!file) {
        return fail(file.error());
    }
    writer.file_ = std::move(*file);
    if (auto r = writer.file_.write(header->data(), header->size()); !r) {
        return fail(r.error());
    }
    return writer;
}

Result<NpyRowWriter> NpyRowWriter::resume(const std::filesystem::path& final_path, DType dtype,
                                          int64_t cols, int64_t rows) {
    const auto partial = partial_path(final_path);
    {
        // The provisional header says 0 rows, so validate it as a header only.
        auto mapped = MappedFile::open(partial);
        if (!mapped) {
            return fail(mapped.error());
        }
        const size_t header_size = npy_header_size(dtype, widest_shape(cols));
        if ((*mapped)->size() < header_size) {
            return fail(ErrorCode::Parse, partial.string() + ": shorter than its header");
        }
        auto header = parse_npy_header((*mapped)->data(), header_size, partial.string());
        if (!header || header->dtype != dtype || header->shape.size() != 2 ||
            header->shape[1] != cols || header->data_offset != header_size) {
            return fail(ErrorCode::Parse, partial.string() +
                                              ": its header does not match the interrupted run (" +
                                              std::string(dtype_name(dtype)) + ", " +
                                              std::to_string(cols) + " columns)");
        }
    }
    NpyRowWriter writer;
    writer.final_path_ = final_path;
    writer.dtype_ = dtype;
    writer.cols_ = cols;
    writer.rows_ = rows;
    writer.header_size_ = npy_header_size(dtype, widest_shape(cols));
    const uint64_t length = writer.header_size_ + static_cast<uint64_t>(rows) *
                                                      static_cast<uint64_t>(cols) *
                                                      dtype_size(dtype);
    auto file = FileHandle::reopen_truncated(partial, length);
    if (!file) {
        return fail(file.error());
    }
    writer.file_ = std::move(*file);
    return writer;
}

Result<void> NpyRowWriter::append_raw(const void* data, int64_t rows) {
    const size_t bytes =
        static_cast<size_t>(rows) * static_cast<size_t>(cols_) * dtype_size(dtype_);
    if (auto r = file_.write(data, bytes); !r) {
        return r;
    }
    rows_ += rows;
    return {};
}

Result<void> NpyRowWriter::append(const float* data, int64_t rows) {
    const size_t count = static_cast<size_t>(rows) * static_cast<size_t>(cols_);
    switch (dtype_) {
        case DType::F32:
            return append_raw(data, rows);
        case DType::F16: {
            convert_buffer_.resize(count * sizeof(c10::Half));
            auto* out = reinterpret_cast<c10::Half*>(convert_buffer_.data());
            for (size_t i = 0; i < count; ++i) {
                out[i] = c10::Half(data[i]);
            }
            return append_raw(out, rows);
        }
        case DType::BF16: {
            convert_buffer_.resize(count * sizeof(c10::BFloat16));
            auto* out = reinterpret_cast<c10::BFloat16*>(convert_buffer_.data());
            for (size_t i = 0; i < count; ++i) {
                out[i] = c10::BFloat16(data[i]);
            }
            return append_raw(out, rows);
        }
        default:
            return fail(ErrorCode::Unsupported, final_path_.string() + ": cannot store floats as " +
                                                    std::string(dtype_name(dtype_)));
    }
}

Result<void> NpyRowWriter::sync() {
    return file_.sync();
}

Result<void> NpyRowWriter::finish() {
    auto header = format_npy_header(dtype_, {rows_, cols_}, header_size_);
    if (!header) {
        return fail(header.error().with_context(final_path_.string()));
    }
    if (auto r = file_.write_at(0, header->data(), header->size()); !r) {
        return r;
    }
    if (auto r = file_.sync(); !r) {
        return r;
    }
    if (auto r = file_.close(); !r) {
        return r;
    }
    return rename_durably(partial_path(final_path_), final_path_);
}

Result<void> write_npy(const std::filesystem::path& path, const TensorView& tensor) {
    auto header =
        format_npy_header(tensor.dtype, tensor.shape, npy_header_size(tensor.dtype, tensor.shape));
    if (!header) {
        return fail(header.error().with_context(path.string()));
    }
    auto writer = AtomicFileWriter::create(path);
    if (!writer) {
        return fail(writer.error());
    }
    if (auto r = writer->write(*header); !r) {
        return r;
    }
    if (auto r = writer->write(tensor.data, tensor.nbytes()); !r) {
        return r;
    }
    return writer->commit();
}

}  // namespace taxoscope::core
