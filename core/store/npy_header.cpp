#include "core/store/npy_header.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <optional>

#include "core/store/tensor_view.h"

namespace taxoscope::core {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// The header is a Python dict literal with string keys and values that are strings, booleans
// or tuples of integers: a tiny recursive-descent reader is enough and rejects everything else.
struct HeaderValue {
    enum Kind { String, Bool, Tuple } kind = String;
    std::string text;
    bool flag = false;
    std::vector<int64_t> items;
};

class DictReader {
  public:
    explicit DictReader(const std::string& text) : s_(text) {}

    Result<std::map<std::string, HeaderValue>> read() {
        std::map<std::string, HeaderValue> out;
        skip_space();
        if (!take('{')) {
            return error("expected '{'");
        }
        skip_space();
        while (!peek('}')) {
            auto key = read_string();
            if (!key) {
                return fail(key.error());
            }
            skip_space();
            if (!take(':')) {
                return error("expected ':' after key '" + *key + "'");
            }
            skip_space();
            auto value = read_value();
            if (!value) {
                return fail(value.error());
            }
            out[*key] = *value;
            skip_space();
            if (take(',')) {
                skip_space();
                continue;
            }
            if (!peek('}')) {
                return error("expected ',' or '}'");
            }
        }
        take('}');
        skip_space();
        if (pos_ != s_.size()) {
            return error("unexpected text after the closing '}'");
        }
        return out;
    }

  private:
    tl::unexpected<Error> error(const std::string& what) const {
        return fail(ErrorCode::Parse,
                    "header dictionary, character " + std::to_string(pos_) + ": " + what);
    }
    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
            ++pos_;
        }
    }
    bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    bool take(char c) {
        if (peek(c)) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool take_word(const char* word) {
        const size_t n = std::strlen(word);
        if (s_.compare(pos_, n, word) == 0) {
            pos_ += n;
            return true;
        }
        return false;
    }

    Result<std::string> read_string() {
        if (!peek('\'') && !peek('"')) {
            return error("expected a quoted string");
        }
        const char quote = s_[pos_++];
        const size_t end = s_.find(quote, pos_);
        if (end == std::string::npos) {
            return error("unterminated string");
        }
        std::string out = s_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return out;
    }

    Result<HeaderValue> read_value() {
        HeaderValue value;
        if (peek('\'') || peek('"')) {
            auto text = read_string();
            if (!text) {
                return fail(text.error());
            }
            value.kind = HeaderValue::String;
            value.text = *text;
            return value;
        }
        if (take_word("True")) {
            value.kind = HeaderValue::Bool;
            value.flag = true;
            return value;
        }
        if (take_word("False")) {
            value.kind = HeaderValue::Bool;
            value.flag = false;
            return value;
        }
        if (take('(')) {
            value.kind = HeaderValue::Tuple;
            skip_space();
            while (!take(')')) {
                if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
                    return error("expected a non-negative integer in the shape tuple");
                }
                int64_t n = 0;
                while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
                    const int digit = s_[pos_++] - '0';
                    if (n > (std::numeric_limits<int64_t>::max() - digit) / 10) {
                        return error("shape dimension overflows 64 bits");
                    }
                    n = n * 10 + digit;
                }
                // Python 2 era writers appended 'L' to longs.
                take('L');
                value.items.push_back(n);
                skip_space();
                if (take(',')) {
                    skip_space();
                } else if (!peek(')')) {
                    return error("expected ',' or ')' in the shape tuple");
                }
            }
            return value;
        }
        return error("expected a string, True/False or a tuple");
    }

    const std::string& s_;
    size_t pos_ = 0;
};

std::string header_dict(DType dtype, const std::vector<int64_t>& shape) {
    std::string text =
        "{'descr': '" + dtype_to_npy(dtype).value_or("") + "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); ++i) {
        text += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size()) {
            text += ",";
        }
        if (i + 1 < shape.size()) {
            text += " ";
        }
    }
    return text + "), }";
}

}  // namespace

Result<NpyHeader> parse_npy_header(const uint8_t* bytes, size_t size, const std::string& name) {
    auto bad = [&](const std::string& what) {
        return fail(ErrorCode::Parse, name + ": not a valid .npy file: " + what);
    };
    if (size < kMagicSize + 4 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
        return bad("the file does not start with the .npy magic \\x93NUMPY");
    }
    NpyHeader header;
    header.major_version = bytes[6];
    size_t length_size = 0;
    if (header.major_version == 1) {
        length_size = 2;
    } else if (header.major_version == 2 || header.major_version == 3) {
        length_size = 4;
    } else {
        return bad("format version " + std::to_string(bytes[6]) + "." + std::to_string(bytes[7]) +
                   " is not 1.0, 2.0 or 3.0");
    }
    if (size < kMagicSize + 2 + length_size) {
        return bad("the file ends inside the header");
    }
    uint64_t header_length = 0;
    for (size_t i = 0; i < length_size; ++i) {
        header_length |= static_cast<uint64_t>(bytes[8 + i]) << (8 * i);
    }
    header.data_offset = kMagicSize + 2 + length_size + header_length;
    if (header.data_offset > size) {
        return bad("the header claims " + std::to_string(header_length) +
                   " bytes but the file holds only " + std::to_string(size));
    }
    const std::string text(reinterpret_cast<const char*>(bytes) + kMagicSize + 2 + length_size,
                           header_length);
    auto dict = DictReader(text).read();
    if (!dict) {
        return fail(dict.error().with_context(name));
    }
    auto field = [&](const char* key, HeaderValue::Kind kind) -> const HeaderValue* {
        auto it = dict->find(key);
        return it != dict->end() && it->second.kind == kind ? &it->second : nullptr;
    };
    const HeaderValue* descr = field("descr", HeaderValue::String);
    const HeaderValue* order = field("fortran_order", HeaderValue::Bool);
    const HeaderValue* shape = field("shape", HeaderValue::Tuple);
    if (descr == nullptr || order == nullptr || shape == nullptr || dict->size() != 3) {
        return bad("the header must hold exactly 'descr', 'fortran_order' and 'shape'");
    }
    const auto dtype = dtype_from_npy(descr->text);
    if (!dtype) {
        return fail(ErrorCode::Unsupported,
                    name + ": element type '" + descr->text +
                        "' is not supported (little-endian float16/32/64, int8-64, uint8, bool)");
    }
    if (order->flag) {
        return fail(ErrorCode::Unsupported,
                    name +
                        ": Fortran-ordered arrays are not supported; save a C-ordered copy "
                        "(numpy.ascontiguousarray)");
    }
    header.dtype = *dtype;
    header.shape = shape->items;
    // Overflow-safe element count against what is actually on disk.
    const size_t available = size - header.data_offset;
    uint64_t count = 1;
    for (int64_t d : header.shape) {
        if (d != 0 && count > available / static_cast<uint64_t>(d)) {
            count = std::numeric_limits<uint64_t>::max();
            break;
        }
        count *= static_cast<uint64_t>(d);
    }
    const uint64_t expected =
        count == std::numeric_limits<uint64_t>::max() ? count : count * dtype_size(header.dtype);
    if (expected != available) {
        return fail(ErrorCode::ShapeMismatch,
                    name + ": header says shape " + shape_to_string(header.shape) + " of " +
                        std::string(dtype_name(header.dtype)) + " (" +
                        (expected == std::numeric_limits<uint64_t>::max()
                             ? std::string("more than the file")
                             : std::to_string(expected) + " bytes") +
                        ") but the file holds " + std::to_string(available) +
                        " bytes of data (truncated or padded file)");
    }
    return header;
}

size_t npy_header_size(DType dtype, const std::vector<int64_t>& shape) {
    const size_t needed = kMagicSize + 4 + header_dict(dtype, shape).size() + 1;
    return (needed + 63) / 64 * 64;
}

Result<std::string> format_npy_header(DType dtype, const std::vector<int64_t>& shape,
                                      size_t total_size) {
    if (!dtype_to_npy(dtype)) {
        return fail(ErrorCode::Unsupported,
                    std::string(dtype_name(dtype)) + " has no .npy representation");
    }
    const std::string dict = header_dict(dtype, shape);
    if (total_size % 64 != 0 || total_size > 65535 + 10 ||
        kMagicSize + 4 + dict.size() + 1 > total_size) {
        return fail(ErrorCode::InvalidArgument, "an .npy header for shape " +
                                                    shape_to_string(shape) + " does not fit in " +
                                                    std::to_string(total_size) + " bytes");
    }
    const size_t header_length = total_size - kMagicSize - 4;
    std::string out(kMagic, kMagicSize);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header_length & 0xff);
    out += static_cast<char>((header_length >> 8) & 0xff);
    out += dict;
    out.append(total_size - out.size() - 1, ' ');
    out += '\n';
    return out;
}

}  // namespace taxoscope::core
