// Whole-file writes that are all-or-nothing: a reader sees the old file or the new one, never
// half of either, even after kill -9 or a power loss. Every workspace file goes through this.
#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/store/file_handle.h"
#include "core/util/error.h"

namespace taxoscope::core {

// Writes to a temporary name in the target's folder; commit() makes it durable (fsync), renames
// it over the target and syncs the folder. Destroying it uncommitted removes the temporary.
class AtomicFileWriter {
  public:
    static Result<AtomicFileWriter> create(const std::filesystem::path& target);

    AtomicFileWriter(AtomicFileWriter&&) noexcept = default;
    AtomicFileWriter& operator=(AtomicFileWriter&&) noexcept = default;
    ~AtomicFileWriter();

    Result<void> write(const void* data, size_t size);
    Result<void> write(std::string_view text) { return write(text.data(), text.size()); }
    Result<void> write_at(uint64_t offset, const void* data, size_t size);
    Result<void> commit();

    const std::filesystem::path& target() const { return target_; }
    const std::filesystem::path& temp_path() const { return file_.path(); }

  private:
    AtomicFileWriter(std::filesystem::path target, FileHandle file)
        : target_(std::move(target)), file_(std::move(file)) {}
    std::filesystem::path target_;
    FileHandle file_;
    bool committed_ = false;
};

Result<void> write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// The whole file as a string (small text files: manifests, JSON).
Result<std::string> read_text_file(const std::filesystem::path& path);

// A small JSON file parsed; Parse errors name the file.
Result<nlohmann::json> read_json_file(const std::filesystem::path& path);

}  // namespace taxoscope::core
