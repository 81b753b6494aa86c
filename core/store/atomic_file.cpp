#include "core/store/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

namespace taxoscope::core {
namespace {

// Unique per process and call, so concurrent writers of one target never share a temporary.
std::filesystem::path temp_name_for(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    const std::string suffix = ".tmp-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
    return target.parent_path() / (target.filename().string() + suffix);
}

}  // namespace

Result<AtomicFileWriter> AtomicFileWriter::create(const std::filesystem::path& target) {
    if (target.filename().empty()) {
        return fail(ErrorCode::InvalidArgument, "'" + target.string() + "' is not a file name");
    }
    auto file = FileHandle::create_new(temp_name_for(target));
    if (!file) {
        return fail(file.error());
    }
    return AtomicFileWriter(target, std::move(*file));
}

AtomicFileWriter::~AtomicFileWriter() {
    if (!committed_ && !file_.path().empty()) {
        (void)file_.close();
        std::error_code ignored;
        std::filesystem::remove(file_.path(), ignored);
    }
}

Result<void> AtomicFileWriter::write(const void* data, size_t size) {
    return file_.write(data, size);
}

Result<void> AtomicFileWriter::write_at(uint64_t offset, const void* data, size_t size) {
    return file_.write_at(offset, data, size);
}

Result<void> AtomicFileWriter::commit() {
    if (auto r = file_.sync(); !r) {
        return r;
    }
    if (auto r = file_.close(); !r) {
        return r;
    }
    if (auto r = rename_durably(file_.path(), target_); !r) {
        return r;
    }
    committed_ = true;
    return {};
}

Result<void> write_file_atomic(const std::filesystem::path& target, std::string_view bytes) {
    auto writer = AtomicFileWriter::create(target);
    if (!writer) {
        return fail(writer.error());
    }
    if (auto r = writer->write(bytes); !r) {
        return r;
    }
    return writer->commit();
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(ErrorCode::NotFound, path.string() + ": cannot be opened for reading");
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        return fail(ErrorCode::Io, path.string() + ": read failed");
    }
    return buffer.str();
}

Result<nlohmann::json> read_json_file(const std::filesystem::path& path) {
    auto text = read_text_file(path);
    if (!text) {
        return fail(text.error());
    }
    try {
        return nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Parse, path.string() + ": not valid JSON: " + e.what());
    }
}

}  // namespace taxoscope::core
