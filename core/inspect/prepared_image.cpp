#include "core/inspect/prepared_image.h"

#include <algorithm>
#include <cmath>

#include "core/data/decode.h"

namespace taxoscope::core {

InputRegion input_region(int image_width, int image_height, const PreprocessSpec& spec) {
    InputRegion region{0.0, 0.0, static_cast<double>(image_width),
                       static_cast<double>(image_height)};
    if (spec.policy == ResizePolicy::Plain || image_width <= 0 || image_height <= 0) {
        return region;
    }
    // Mirrors preprocess_into: the shorter side becomes resize_shorter, the longer side is
    // rounded, then a centre crop at floor((resized - target) / 2).
    const int shorter = std::min(image_width, image_height);
    auto scaled = [&](int side) {
        return side == shorter ? spec.resize_shorter
                               : static_cast<int>(std::lround(static_cast<double>(side) *
                                                              spec.resize_shorter / shorter));
    };
    const int w = scaled(image_width);
    const int h = scaled(image_height);
    const double sx = static_cast<double>(image_width) / w;
    const double sy = static_cast<double>(image_height) / h;
    region.x = ((w - spec.width) / 2) * sx;
    region.y = ((h - spec.height) / 2) * sy;
    region.width = spec.width * sx;
    region.height = spec.height * sy;
    return region;
}

Result<PreparedImage> prepare_image(ImageBuffer image, const PreprocessSpec& spec) {
    if (auto valid = spec.validate(); !valid) {
        return fail(valid.error());
    }
    PreparedImage out;
    out.input.resize(spec.floats_per_image());
    if (auto done = preprocess_into(image, spec, out.input.data()); !done) {
        return fail(done.error());
    }
    // The view is recovered from the normalised input (exact after rounding), so it can never
    // drift from what the model saw.
    const size_t plane = static_cast<size_t>(spec.width) * static_cast<size_t>(spec.height);
    out.view.width = spec.width;
    out.view.height = spec.height;
    out.view.rgb.resize(plane * 3);
    for (size_t i = 0; i < plane; ++i) {
        for (size_t c = 0; c < 3; ++c) {
            const float v = (out.input[c * plane + i] * spec.std[c] + spec.mean[c]) * 255.0f;
            out.view.rgb[3 * i + c] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
        }
    }
    out.region = input_region(image.width, image.height, spec);
    out.original = std::move(image);
    return out;
}

Result<PreparedImage> prepare_image_file(const std::filesystem::path& path,
                                         const PreprocessSpec& spec) {
    auto image = decode_image_file(path);
    if (!image) {
        return fail(image.error().code, path.string() + ": " + image.error().message);
    }
    return prepare_image(std::move(*image), spec);
}

}  // namespace taxoscope::core
