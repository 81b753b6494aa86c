#include "core/data/preprocess.h"

#include <algorithm>
#include <cmath>

#include "core/data/crop_geometry.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {

std::string to_string(ResizePolicy policy) {
    return policy == ResizePolicy::Plain ? "plain" : "shorter-side-crop";
}

Result<void> PreprocessSpec::validate() const {
    if (width <= 0 || height <= 0 || width > 8192 || height > 8192) {
        return fail(ErrorCode::InvalidArgument, "input size " + std::to_string(width) + "x" +
                                                    std::to_string(height) + " is out of range");
    }
    if (policy == ResizePolicy::ShorterSideThenCrop && resize_shorter < std::max(width, height)) {
        return fail(ErrorCode::InvalidArgument, "resize_shorter " + std::to_string(resize_shorter) +
                                                    " is smaller than the crop " +
                                                    std::to_string(width) + "x" +
                                                    std::to_string(height));
    }
    for (float s : std) {
        if (!(s > 0.0f)) {
            return fail(ErrorCode::InvalidArgument, "std values must be positive");
        }
    }
    return {};
}

CropGeometry crop_geometry(int image_width, int image_height, const PreprocessSpec& spec) {
    CropGeometry out{spec.width, spec.height, 0, 0};
    if (spec.policy == ResizePolicy::Plain) {
        return out;
    }
    const int shorter = std::min(image_width, image_height);
    auto scaled = [&](int side) {
        return side == shorter ? spec.resize_shorter
                               : static_cast<int>(std::lround(static_cast<double>(side) *
                                                              spec.resize_shorter / shorter));
    };
    out.resized_width = scaled(image_width);
    out.resized_height = scaled(image_height);
    out.crop_x = (out.resized_width - spec.width) / 2;
    out.crop_y = (out.resized_height - spec.height) / 2;
    return out;
}

Result<void> preprocess_into(const ImageBuffer& image, const PreprocessSpec& spec, float* chw) {
    if (image.width <= 0 || image.height <= 0) {
        return fail(ErrorCode::InvalidArgument, "image has no pixels");
    }
    return guard_exceptions("preprocessing", [&]() -> Result<void> {
        const cv::Mat source(image.height, image.width, CV_8UC3,
                             const_cast<uint8_t*>(image.rgb.data()));
        const CropGeometry geometry = crop_geometry(image.width, image.height, spec);
        cv::Mat resized;
        if (geometry.resized_width == image.width && geometry.resized_height == image.height) {
            resized = source;
        } else {
            cv::resize(source, resized, cv::Size(geometry.resized_width, geometry.resized_height),
                       0, 0, cv::INTER_LINEAR);
        }
        const cv::Rect crop(geometry.crop_x, geometry.crop_y, spec.width, spec.height);
        const cv::Mat view = resized(crop);
        const size_t plane = static_cast<size_t>(spec.width) * static_cast<size_t>(spec.height);
        float scale[3];
        float bias[3];
        for (int c = 0; c < 3; ++c) {
            scale[c] = 1.0f / (255.0f * spec.std[c]);
            bias[c] = -spec.mean[c] / spec.std[c];
        }
        for (int y = 0; y < spec.height; ++y) {
            const uint8_t* row = view.ptr<uint8_t>(y);
            float* r = chw + static_cast<size_t>(y) * spec.width;
            float* g = r + plane;
            float* b = g + plane;
            for (int x = 0; x < spec.width; ++x) {
                r[x] = row[3 * x] * scale[0] + bias[0];
                g[x] = row[3 * x + 1] * scale[1] + bias[1];
                b[x] = row[3 * x + 2] * scale[2] + bias[2];
            }
        }
        return Result<void>{};
    });
}

}  // namespace taxoscope::core
