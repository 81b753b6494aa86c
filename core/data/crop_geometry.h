// Where the shorter-side-then-crop preprocessing puts an image: the resized size and the crop
// offset. One definition, so that preprocessing and the maps drawn back onto the original
// image (core/inspect) can never disagree.
#pragma once

#include "core/data/preprocess.h"

namespace taxoscope::core {

struct CropGeometry {
    int resized_width = 0;
    int resized_height = 0;
    int crop_x = 0;
    int crop_y = 0;
};

// Plain resizing: resized = the target size, no offset.
CropGeometry crop_geometry(int image_width, int image_height, const PreprocessSpec& spec);

}  // namespace taxoscope::core
