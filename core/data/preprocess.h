// Model-input preprocessing: resize (shorter side + centre crop, or plain), scale to [0, 1],
// normalise with mean/std per channel, RGB planes (CHW float32).
#pragma once

#include <array>
#include <string>

#include "core/data/image_buffer.h"
#include "core/util/error.h"

namespace taxoscope::core {

enum class ResizePolicy {
    ShorterSideThenCrop,  // resize so the shorter side is resize_shorter, then centre-crop
    Plain,                // resize straight to width x height (aspect ratio not kept)
};

struct PreprocessSpec {
    int width = 224;
    int height = 224;
    ResizePolicy policy = ResizePolicy::ShorterSideThenCrop;
    int resize_shorter = 256;  // ShorterSideThenCrop only; must be >= max(width, height)
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};

    size_t floats_per_image() const { return 3u * static_cast<size_t>(width * height); }
    Result<void> validate() const;
};

std::string to_string(ResizePolicy policy);  // "shorter-side-crop" / "plain"

// Writes 3 * height * width floats to `chw` (channel planes R, G, B).
// Exactly: resize with bilinear interpolation (cv::INTER_LINEAR; the shorter side becomes
// resize_shorter, the longer side round(longer * resize_shorter / shorter)), crop offset
// floor((resized - target) / 2) on each axis, then (pixel / 255 - mean) / std per channel.
Result<void> preprocess_into(const ImageBuffer& image, const PreprocessSpec& spec, float* chw);

}  // namespace taxoscope::core
