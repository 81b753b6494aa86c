#include "core/data/fashion_mnist.h"

#include <cassert>
#include <map>
#include <mutex>

#include "core/data/dataset.h"
#include "core/data/idx_file.h"

namespace taxoscope::core {
namespace {

constexpr int kSide = 28;

class FashionMnistDataset final : public Dataset {
  public:
    std::map<std::string, std::shared_ptr<const FashionMnistSplit>> splits;
    std::vector<int64_t> numbers;  // item -> image number within its split

    Result<ImageBuffer> load(size_t i) const override {
        return fashion_mnist_image(*splits.at(items.at(i).split), numbers.at(i));
    }
};

}  // namespace

std::filesystem::path default_fashion_mnist_dir() {
    return "/usr/share/datasets/fashion-mnist";
}

ClassList fashion_mnist_label_names() {
    // The built-in set carries the verified WordNet synset of every label.
    auto list = builtin_class_list("fashion-mnist");
    assert(list && list->size() == 10);
    return *list;
}

Result<std::shared_ptr<const FashionMnistSplit>> load_fashion_mnist_split(
    const std::string& split, const std::filesystem::path& dir_in) {
    if (split != "train" && split != "test") {
        return fail(ErrorCode::InvalidArgument,
                    "Fashion-MNIST split '" + split + "' is not 'train' or 'test'");
    }
    const auto dir = dir_in.empty() ? default_fashion_mnist_dir() : dir_in;
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<const FashionMnistSplit>> cache;
    const std::string key = (dir / split).string();
    std::lock_guard<std::mutex> lock(mutex);
    if (auto cached = cache[key].lock()) {
        return cached;
    }
    const std::string prefix = split == "train" ? "train" : "t10k";
    const auto images_path = dir / (prefix + "-images-idx3-ubyte.gz");
    const auto labels_path = dir / (prefix + "-labels-idx1-ubyte.gz");
    std::error_code ec;
    if (!std::filesystem::exists(images_path, ec)) {
        return fail(
            ErrorCode::NotFound,
            images_path.string() + " is missing (Debian: apt install dataset-fashion-mnist)");
    }
    auto images = read_idx_u8(images_path);
    if (!images) {
        return fail(images.error());
    }
    auto labels = read_idx_u8(labels_path);
    if (!labels) {
        return fail(labels.error());
    }
    if (images->shape.size() != 3 || images->shape[1] != kSide || images->shape[2] != kSide ||
        labels->shape.size() != 1 || labels->shape[0] != images->shape[0]) {
        return fail(ErrorCode::ShapeMismatch,
                    images_path.string() + ": expected N x 28 x 28 images and N labels");
    }
    auto out = std::make_shared<FashionMnistSplit>();
    out->count = images->shape[0];
    out->pixels = std::move(images->data);
    out->labels = std::move(labels->data);
    for (uint8_t label : out->labels) {
        if (label > 9) {
            return fail(ErrorCode::Parse,
                        labels_path.string() + ": label " + std::to_string(label) + " is not 0-9");
        }
    }
    cache[key] = out;
    return std::shared_ptr<const FashionMnistSplit>(out);
}

ImageBuffer fashion_mnist_image(const FashionMnistSplit& split, int64_t n) {
    ImageBuffer image;
    image.width = kSide;
    image.height = kSide;
    image.rgb.resize(kSide * kSide * 3);
    const uint8_t* grey = split.pixels.data() + static_cast<size_t>(n) * kSide * kSide;
    for (int i = 0; i < kSide * kSide; ++i) {
        image.rgb[3 * i] = image.rgb[3 * i + 1] = image.rgb[3 * i + 2] = grey[i];
    }
    return image;
}

Result<std::unique_ptr<Dataset>> open_fashion_mnist(const std::string& split,
                                                    const std::filesystem::path& dir,
                                                    const ClassList* classes) {
    std::vector<std::string> parts;
    if (split == "all" || split.empty()) {
        parts = {"train", "test"};
    } else if (split == "train" || split == "test") {
        parts = {split};
    } else {
        return fail(ErrorCode::InvalidArgument,
                    "Fashion-MNIST split '" + split + "' is not 'train', 'test' or 'all'");
    }
    if (classes != nullptr && !classes->empty() && classes->size() != 10) {
        return fail(ErrorCode::InvalidArgument, "Fashion-MNIST has 10 classes but the class set '" +
                                                    classes->name + "' has " +
                                                    std::to_string(classes->size()));
    }
    auto dataset = std::make_unique<FashionMnistDataset>();
    dataset->kind = "fashion-mnist";
    dataset->source = "fashion-mnist" + (parts.size() == 1 ? ":" + parts[0] : std::string());
    dataset->classes =
        classes != nullptr && !classes->empty() ? *classes : fashion_mnist_label_names();
    for (const auto& part : parts) {
        auto loaded = load_fashion_mnist_split(part, dir);
        if (!loaded) {
            return fail(loaded.error());
        }
        dataset->splits[part] = *loaded;
        for (int64_t n = 0; n < (*loaded)->count; ++n) {
            dataset->items.push_back({"fashion-mnist:" + part + ":" + std::to_string(n),
                                      (*loaded)->labels[static_cast<size_t>(n)], part});
            dataset->numbers.push_back(n);
        }
    }
    return std::unique_ptr<Dataset>(std::move(dataset));
}

}  // namespace taxoscope::core
