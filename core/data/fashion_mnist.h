// Fashion-MNIST as Debian's dataset-fashion-mnist ships it (IDX .gz files).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/data/image_buffer.h"
#include "core/taxonomy/class_list.h"
#include "core/util/error.h"

namespace taxoscope::core {

struct FashionMnistSplit {
    int64_t count = 0;
    std::vector<uint8_t> pixels;  // count * 28 * 28, grey
    std::vector<uint8_t> labels;  // count, 0..9
};

std::filesystem::path default_fashion_mnist_dir();  // /usr/share/datasets/fashion-mnist
// The ten label names in label order ("T-shirt/top", "Trouser", ...), without wnids: mapping
// them to WordNet is the taxonomy's job.
ClassList fashion_mnist_label_names();

// "train" or "test"; decompressed once per folder and split, then shared (thread-safe).
Result<std::shared_ptr<const FashionMnistSplit>> load_fashion_mnist_split(
    const std::string& split, const std::filesystem::path& dir = {});

// Image n of a split as RGB (grey replicated).
ImageBuffer fashion_mnist_image(const FashionMnistSplit& split, int64_t n);

}  // namespace taxoscope::core
