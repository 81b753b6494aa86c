#include "core/data/decode.h"

#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

Result<ImageBuffer> to_rgb_buffer(const cv::Mat& decoded) {
    cv::Mat rgb;
    cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
    ImageBuffer out;
    out.width = rgb.cols;
    out.height = rgb.rows;
    out.rgb.resize(static_cast<size_t>(rgb.rows) * static_cast<size_t>(rgb.cols) * 3);
    if (rgb.isContinuous()) {
        std::memcpy(out.rgb.data(), rgb.data, out.rgb.size());
    } else {
        for (int y = 0; y < rgb.rows; ++y) {
            std::memcpy(out.rgb.data() + static_cast<size_t>(y) * rgb.cols * 3, rgb.ptr(y),
                        static_cast<size_t>(rgb.cols) * 3);
        }
    }
    return out;
}

}  // namespace

Result<ImageBuffer> decode_image_bytes(const uint8_t* data, size_t size) {
    if (size == 0) {
        return fail(ErrorCode::Parse, "empty file");
    }
    return guard_exceptions("decoding", [&]() -> Result<ImageBuffer> {
        const cv::Mat raw(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
        // IMREAD_COLOR: grey -> 3 channels, alpha dropped, 16-bit -> 8-bit.
        const cv::Mat decoded = cv::imdecode(raw, cv::IMREAD_COLOR);
        if (decoded.empty()) {
            return fail(ErrorCode::Parse, "not a decodable image (corrupt or unknown format)");
        }
        return to_rgb_buffer(decoded);
    });
}

Result<ImageBuffer> decode_image_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return fail(ErrorCode::NotFound, "cannot be opened for reading");
    }
    const std::streamsize size = in.tellg();
    if (size < 0) {
        return fail(ErrorCode::Io, "size cannot be read");
    }
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
        return fail(ErrorCode::Io, "read failed");
    }
    return decode_image_bytes(bytes.data(), bytes.size());
}

}  // namespace taxoscope::core
