// Loading one image by the reference images.tsv stores (for viewers: the GUI's image panel).
#pragma once

#include <string>

#include "core/data/image_buffer.h"
#include "core/util/error.h"

namespace taxoscope::core {

// A file path, or "fashion-mnist:<train|test>:<n>" (Debian's copy of the data set).
Result<ImageBuffer> load_image_ref(const std::string& ref);

}  // namespace taxoscope::core
