// Drawing a patch-grid heatmap over an image: the grid is interpolated bilinearly into the
// image region the model saw, coloured with a perceptual colormap and alpha-blended on top.
#pragma once

#include <filesystem>
#include <vector>

#include "core/data/image_buffer.h"
#include "core/inspect/prepared_image.h"
#include "core/util/error.h"

namespace taxoscope::core {

enum class HeatColormap { Inferno, Viridis };

struct OverlayOptions {
    HeatColormap colormap = HeatColormap::Inferno;
    float alpha = 0.55f;        // weight of the heatmap colour where it is drawn
    float max_value = 0.0f;     // the value drawn at full colour; <= 0: the map's own maximum
    float outside_dim = 0.45f;  // brightness kept outside the region (the cropped-away margins)
};

// heat: [rows * cols] row-major; values <= 0 get the colormap's darkest colour. `region` is in
// image pixel coordinates (the whole image for the model's view; PreparedImage::region for the
// original file). The result has the image's size.
Result<ImageBuffer> render_heatmap_overlay(const ImageBuffer& image, const std::vector<float>& heat,
                                           int rows, int cols, const InputRegion& region,
                                           const OverlayOptions& options = {});

// PNG, written atomically.
Result<void> write_png(const std::filesystem::path& path, const ImageBuffer& image);

}  // namespace taxoscope::core
