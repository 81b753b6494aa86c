// The images the demo extracts: the first N images of Fashion-MNIST's train split, then the first
// M of its test split, as one dataset (refs "fashion-mnist:<split>:<n>", like the full dataset's).
#pragma once

#include <memory>

#include "core/data/dataset.h"
#include "core/data/fashion_mnist.h"

namespace taxoscope::core {

std::unique_ptr<Dataset> make_demo_dataset(std::shared_ptr<const FashionMnistSplit> train,
                                           int64_t train_count,
                                           std::shared_ptr<const FashionMnistSplit> test,
                                           int64_t test_count);

}  // namespace taxoscope::core
