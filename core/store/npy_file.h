// Reading and writing .npy arrays: memory-mapped reads, incremental row-block writes.
#pragma once

#include <filesystem>
#include <memory>

#include "core/store/file_handle.h"
#include "core/store/mapped_file.h"
#include "core/store/npy_header.h"
#include "core/store/tensor_view.h"

namespace taxoscope::core {

// A validated, memory-mapped .npy file. view() stays valid as long as this object (or a copy).
class NpyFile {
  public:
    static Result<NpyFile> open(const std::filesystem::path& path);

    const NpyHeader& header() const { return header_; }
    TensorView view() const;
    // For [N, D] arrays: row i as a view of shape [D].
    TensorView row(int64_t i) const;

  private:
    std::shared_ptr<const MappedFile> file_;
    NpyHeader header_;
};

// Writes an [N, D] array row block by row block. Data goes to "<final>.partial"; finish() writes
// the final shape into the header (space reserved up front), syncs and renames to the final name.
// A killed run leaves only the .partial, which resume() continues from a known row count.
class NpyRowWriter {
  public:
    static std::filesystem::path partial_path(const std::filesystem::path& final_path);

    // Fails if the .partial exists (a leftover that resume() should take over).
    static Result<NpyRowWriter> create(const std::filesystem::path& final_path, DType dtype,
                                       int64_t cols);
    // Reopens "<final>.partial", checks its header matches, and cuts it to `rows` rows.
    static Result<NpyRowWriter> resume(const std::filesystem::path& final_path, DType dtype,
                                       int64_t cols, int64_t rows);

    // Rows already in the file's dtype.
    Result<void> append_raw(const void* data, int64_t rows);
    // Rows of float32, converted to the file's dtype (round to nearest even, like torch).
    Result<void> append(const float* data, int64_t rows);
    Result<void> sync();
    Result<void> finish();

    int64_t rows() const { return rows_; }
    int64_t cols() const { return cols_; }
    DType dtype() const { return dtype_; }
    const std::filesystem::path& final_path() const { return final_path_; }

  private:
    NpyRowWriter() = default;
    std::filesystem::path final_path_;
    FileHandle file_;
    DType dtype_ = DType::F32;
    int64_t cols_ = 0;
    int64_t rows_ = 0;
    size_t header_size_ = 0;
    std::vector<uint8_t> convert_buffer_;
};

// Writes a whole array atomically (temp + fsync + rename).
Result<void> write_npy(const std::filesystem::path& path, const TensorView& tensor);

}  // namespace taxoscope::core
