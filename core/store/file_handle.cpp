#include "core/store/file_handle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace taxoscope::core {
namespace {

tl::unexpected<Error> io_error(const std::filesystem::path& path, std::string_view what) {
    return fail(ErrorCode::Io,
                path.string() + ": " + std::string(what) + " failed: " + std::strerror(errno));
}

}  // namespace

FileHandle::~FileHandle() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

FileHandle::FileHandle(FileHandle&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
}

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = other.fd_;
        path_ = std::move(other.path_);
        other.fd_ = -1;
    }
    return *this;
}

Result<FileHandle> FileHandle::create_new(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return io_error(path, "creating");
    }
    return FileHandle(fd, path);
}

Result<FileHandle> FileHandle::reopen_truncated(const std::filesystem::path& path,
                                                uint64_t length) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return io_error(path, "opening");
    }
    FileHandle handle(fd, path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return io_error(path, "stat");
    }
    if (static_cast<uint64_t>(st.st_size) < length) {
        return fail(ErrorCode::Parse, path.string() + ": holds " + std::to_string(st.st_size) +
                                          " bytes, but the progress record says " +
                                          std::to_string(length) + " were written");
    }
    if (::ftruncate(fd, static_cast<off_t>(length)) != 0) {
        return io_error(path, "truncating");
    }
    if (::lseek(fd, static_cast<off_t>(length), SEEK_SET) < 0) {
        return io_error(path, "seeking");
    }
    return handle;
}

Result<void> FileHandle::write(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd_, p, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return io_error(path_, "writing");
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

Result<void> FileHandle::write_at(uint64_t offset, const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return io_error(path_, "writing");
        }
        p += n;
        offset += static_cast<uint64_t>(n);
        size -= static_cast<size_t>(n);
    }
    return {};
}

Result<void> FileHandle::sync() {
    if (::fsync(fd_) != 0) {
        return io_error(path_, "fsync");
    }
    return {};
}

Result<void> FileHandle::close() {
    if (fd_ < 0) {
        return {};
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        return io_error(path_, "closing");
    }
    return {};
}

Result<void> sync_directory(const std::filesystem::path& dir) {
    const auto target = dir.empty() ? std::filesystem::path(".") : dir;
    const int fd = ::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return io_error(target, "opening folder");
    }
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) {
        return io_error(target, "fsync of folder");
    }
    return {};
}

Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (std::rename(from.c_str(), to.c_str()) != 0) {
        return fail(ErrorCode::Io, "renaming " + from.string() + " to " + to.string() +
                                       " failed: " + std::strerror(errno));
    }
    return sync_directory(to.parent_path());
}

}  // namespace taxoscope::core
