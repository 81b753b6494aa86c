// Image decoding with OpenCV (JPEG, PNG, WebP, BMP, TIFF): always 8-bit RGB, 3 channels.
#pragma once

#include <filesystem>
#include <string>

#include "core/data/image_buffer.h"
#include "core/util/error.h"

namespace taxoscope::core {

// Grey images are replicated to 3 channels; an alpha channel is dropped (as PIL's
// convert("RGB") does); 16-bit images are scaled to 8 bits. Errors say why, in a few words that
// end up in extract_report.tsv: "empty file", "not a decodable image", ...
Result<ImageBuffer> decode_image_file(const std::filesystem::path& path);
Result<ImageBuffer> decode_image_bytes(const uint8_t* data, size_t size);

}  // namespace taxoscope::core
