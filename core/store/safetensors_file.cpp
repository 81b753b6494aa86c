#include "core/store/safetensors_file.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/store/atomic_file.h"

namespace taxoscope::core {
namespace {

// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderSize = 100ull * 1000 * 1000;

struct Range {
    uint64_t begin;
    uint64_t end;
    std::string name;
};

}  // namespace

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) {
        return fail(mapped.error());
    }
    const std::string name = path.string();
    auto bad = [&](const std::string& what) {
        return fail(ErrorCode::Parse, name + ": not a valid safetensors file: " + what);
    };
    const uint8_t* bytes = (*mapped)->data();
    const uint64_t size = (*mapped)->size();
    if (size < 8) {
        return bad("shorter than the 8-byte header length");
    }
    uint64_t header_size = 0;
    for (int i = 0; i < 8; ++i) {
        header_size |= static_cast<uint64_t>(bytes[i]) << (8 * i);
    }
    if (header_size > kMaxHeaderSize || header_size > size - 8) {
        return bad("header length " + std::to_string(header_size) + " exceeds " +
                   (header_size > kMaxHeaderSize ? "the 100 MB limit"
                                                 : "the file size " + std::to_string(size)));
    }
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes + 8, bytes + 8 + header_size);
    } catch (const nlohmann::json::exception& e) {
        return bad(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) {
        return bad("header is not a JSON object");
    }
    const uint64_t data_start = 8 + header_size;
    const uint64_t data_size = size - data_start;

    SafetensorsFile file;
    std::vector<Range> ranges;
    for (const auto& [key, entry] : header.items()) {
        if (key == "__metadata__") {
            if (!entry.is_object()) {
                return bad("__metadata__ is not an object");
            }
            for (const auto& [mkey, mvalue] : entry.items()) {
                if (!mvalue.is_string()) {
                    return bad("__metadata__ value of '" + mkey + "' is not a string");
                }
                file.metadata_[mkey] = mvalue.get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + key + "'";
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets") || !entry["dtype"].is_string() ||
            !entry["shape"].is_array() || !entry["data_offsets"].is_array() ||
            entry["data_offsets"].size() != 2) {
            return bad(where + " needs dtype, shape and two data_offsets");
        }
        const auto dtype = dtype_from_safetensors(entry["dtype"].get<std::string>());
        if (!dtype) {
            return fail(ErrorCode::Unsupported, name + ": " + where + " has dtype " +
                                                    entry["dtype"].get<std::string>() +
                                                    ", which taxoscope does not read");
        }
        TensorView view;
        view.dtype = *dtype;
        uint64_t count = 1;
        for (const auto& d : entry["shape"]) {
            if (!d.is_number_unsigned()) {
                return bad(where + " has a shape entry that is not a non-negative integer");
            }
            const uint64_t dim = d.get<uint64_t>();
            if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
                (dim != 0 && count > data_size / dim)) {
                return bad(where + " has a shape larger than the file");
            }
            count *= dim;
            view.shape.push_back(static_cast<int64_t>(dim));
        }
        const auto& offsets = entry["data_offsets"];
        if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
            return bad(where + " has data_offsets that are not non-negative integers");
        }
        const uint64_t begin = offsets[0].get<uint64_t>();
        const uint64_t end = offsets[1].get<uint64_t>();
        if (begin > end || end > data_size) {
            return bad(where + " has data_offsets [" + std::to_string(begin) + ", " +
                       std::to_string(end) + "] outside the " + std::to_string(data_size) +
                       "-byte data section");
        }
        if (end - begin != count * dtype_size(*dtype)) {
            return fail(ErrorCode::ShapeMismatch,
                        name + ": " + where + " has shape " + shape_to_string(view.shape) + " of " +
                            std::string(dtype_name(*dtype)) + " but " +
                            std::to_string(end - begin) + " bytes of data");
        }
        view.data = bytes + data_start + begin;
        file.tensors_[key] = view;
        ranges.push_back({begin, end, key});
    }
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].begin < ranges[i - 1].end) {
            return bad("tensors '" + ranges[i - 1].name + "' and '" + ranges[i].name +
                       "' overlap in the data section");
        }
    }
    for (const auto& r : ranges) {
        file.names_.push_back(r.name);
    }
    file.file_ = std::move(*mapped);
    return file;
}

Result<TensorView> SafetensorsFile::tensor(const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) {
        std::string available;
        for (const auto& n : names_) {
            available += (available.empty() ? "" : ", ") + n;
        }
        return fail(ErrorCode::NotFound,
                    path().string() + ": no tensor named '" + name +
                        "' (available: " + (available.empty() ? "none" : available) + ")");
    }
    return it->second;
}

Result<void> write_safetensors(const std::filesystem::path& path,
                               const std::vector<NamedTensor>& tensors,
                               const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) {
        header["__metadata__"] = metadata;
    }
    uint64_t offset = 0;
    for (const auto& [name, view] : tensors) {
        if (name == "__metadata__" || header.contains(name)) {
            return fail(ErrorCode::InvalidArgument,
                        path.string() + ": tensor name '" + name + "' is reserved or repeated");
        }
        const uint64_t bytes = view.nbytes();
        header[name] = {{"dtype", std::string(dtype_to_safetensors(view.dtype))},
                        {"shape", view.shape},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
    text.append((8 - text.size() % 8) % 8, ' ');
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) {
        length[i] = static_cast<uint8_t>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff);
    }
    auto writer = AtomicFileWriter::create(path);
    if (!writer) {
        return fail(writer.error());
    }
    if (auto r = writer->write(length, sizeof(length)); !r) {
        return r;
    }
    if (auto r = writer->write(text); !r) {
        return r;
    }
    for (const auto& named : tensors) {
        if (auto r = writer->write(named.second.data, named.second.nbytes()); !r) {
            return r;
        }
    }
    return writer->commit();
}

}  // namespace taxoscope::core
