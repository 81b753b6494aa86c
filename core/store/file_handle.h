// A POSIX file descriptor with the few operations durable stores need (write, pwrite, fsync).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "core/util/error.h"

namespace taxoscope::core {

class FileHandle {
  public:
    FileHandle() = default;
    ~FileHandle();
    FileHandle(FileHandle&& other) noexcept;
    FileHandle& operator=(FileHandle&& other) noexcept;
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;

    // A new, empty file; fails if it exists (O_EXCL) so nothing is ever clobbered by accident.
    static Result<FileHandle> create_new(const std::filesystem::path& path);
    // An existing file opened for writing, cut to `length` bytes and positioned at its end:
    // how an interrupted incremental write drops the tail it had not yet made durable.
    static Result<FileHandle> reopen_truncated(const std::filesystem::path& path, uint64_t length);

    bool is_open() const { return fd_ >= 0; }
    const std::filesystem::path& path() const { return path_; }

    // Appends at the current position (retries short writes).
    Result<void> write(const void* data, size_t size);
    // Writes at an absolute offset without moving the position.
    Result<void> write_at(uint64_t offset, const void* data, size_t size);
    Result<void> sync();
    Result<void> close();

  private:
    FileHandle(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::filesystem::path path_;
};

// fsync of a folder, so that a rename or a new entry in it survives a power loss.
Result<void> sync_directory(const std::filesystem::path& dir);
// rename(2) followed by a sync of the destination folder.
Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace taxoscope::core
