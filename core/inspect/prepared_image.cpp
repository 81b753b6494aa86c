#include "core/inspect/prepared_image.h"

#include <algorithm>

#include "core/data/crop_geometry.h"
#include "core/data/decode.h"

namespace taxoscope::core {

InputRegion input_region(int image_width, int image_height, const PreprocessSpec& spec) {
    if (image_width <= 0 || image_height <= 0) {
        return {};
    }
    const CropGeometry g = crop_geometry(image_width, image_height, spec);
    const double sx = static_cast<double>(image_width) / g.resized_width;
    const double sy = static_cast<double>(image_height) / g.resized_height;
    return {g.crop_x * sx, g.crop_y * sy, spec.width * sx, spec.height * sy};
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
