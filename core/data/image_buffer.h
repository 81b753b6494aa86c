// A decoded image: 8-bit RGB, interleaved, rows packed. Torch- and OpenCV-free on purpose.
#pragma once

#include <cstdint>
#include <vector>

namespace taxoscope::core {

struct ImageBuffer {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgb;  // height * width * 3 bytes, R G B
};

}  // namespace taxoscope::core
