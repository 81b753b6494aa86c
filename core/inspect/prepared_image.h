// One image made ready for a model: decoded, resized and cropped exactly as extraction does
// (core/data/preprocess.h), plus the geometry that maps the model's view back to the file.
#pragma once

#include <filesystem>
#include <vector>

#include "core/data/image_buffer.h"
#include "core/data/preprocess.h"
#include "core/util/error.h"

namespace taxoscope::core {

// The rectangle of the original image that the model's input covers, in original pixel
// coordinates (fractional: the resize scales by a non-integer factor). A point (u, v) of the
// model's input (0 <= u < input width) lies at (x + u * width / input width, ...) in the file.
struct InputRegion {
    double x = 0.0;
    double y = 0.0;
    double width = 0.0;
    double height = 0.0;
};

struct PreparedImage {
    ImageBuffer original;      // as decoded (8-bit RGB)
    ImageBuffer view;          // the model's view: resized + cropped, before normalisation
    std::vector<float> input;  // 3 x height x width, normalised (what the model receives)
    InputRegion region;        // where `view` lies in `original`
};

// The crop rectangle `spec` takes from an image of the given size.
InputRegion input_region(int image_width, int image_height, const PreprocessSpec& spec);

Result<PreparedImage> prepare_image(ImageBuffer image, const PreprocessSpec& spec);
// Decode errors name the file ("photo.jpg: not a decodable image").
Result<PreparedImage> prepare_image_file(const std::filesystem::path& path,
                                         const PreprocessSpec& spec);

}  // namespace taxoscope::core
