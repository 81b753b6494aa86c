#include "core/demo/demo_dataset.h"

#include <algorithm>
#include <utility>

namespace taxoscope::core {
namespace {

class DemoDataset final : public Dataset {
  public:
    std::shared_ptr<const FashionMnistSplit> train;
    std::shared_ptr<const FashionMnistSplit> test;
    std::vector<int64_t> numbers;  // item -> image number within its split

    Result<ImageBuffer> load(size_t i) const override {
        const auto& split = items.at(i).split == "train" ? *train : *test;
        return fashion_mnist_image(split, numbers.at(i));
    }

    void add(const FashionMnistSplit& split, const std::string& name, int64_t count) {
        for (int64_t n = 0; n < std::min(count, split.count); ++n) {
            items.push_back({"fashion-mnist:" + name + ":" + std::to_string(n),
                             split.labels[static_cast<size_t>(n)], name});
            numbers.push_back(n);
        }
    }
};

}  // namespace

std::unique_ptr<Dataset> make_demo_dataset(std::shared_ptr<const FashionMnistSplit> train,
                                           int64_t train_count,
                                           std::shared_ptr<const FashionMnistSplit> test,
                                           int64_t test_count) {
    auto dataset = std::make_unique<DemoDataset>();
    dataset->kind = "fashion-mnist";
    dataset->source = "fashion-mnist";
    dataset->classes = fashion_mnist_label_names();
    dataset->train = std::move(train);
    dataset->test = std::move(test);
    dataset->add(*dataset->train, "train", train_count);
    dataset->add(*dataset->test, "test", test_count);
    return dataset;
}

}  // namespace taxoscope::core
