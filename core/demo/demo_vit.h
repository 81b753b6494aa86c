// The demo's model: a tiny ViT with a class token for 28x28 Fashion-MNIST images, trained by
// taxoscope itself and saved as an ordinary TorchScript model file (docs/demo.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/fashion_mnist.h"
#include "core/model/model_metadata.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct DemoVitShape {
    int image = 28;
    int patch = 7;  // 4 x 4 = 16 patches + the class token = 17 tokens
    int dim = 64;
    int depth = 4;
    int heads = 4;
    int mlp = 128;
    int classes = 10;

    int patches_per_side() const { return image / patch; }
    int tokens() const { return patches_per_side() * patches_per_side() + 1; }
    int patch_inputs() const { return 3 * patch * patch; }
};

// "embed", "block1" ... "blockN", "logits": the keys of the model's output dict, in order.
std::vector<std::string> demo_vit_layers(const DemoVitShape& shape);
// The layers the demo stores and trains SAEs on: the class token after every block. The class
// token after the embedding is the same learned vector for every image, so it is left out.
std::vector<std::string> demo_vit_block_layers(const DemoVitShape& shape);

// taxoscope.json of the saved model: 28x28 "plain" resize, Fashion-MNIST mean/std on all three
// channels (the grey image is replicated), class token at 0, class set "fashion-mnist".
ModelMetadata demo_vit_metadata(const DemoVitShape& shape);

struct DemoTrainingOptions {
    DemoVitShape shape;
    int64_t train_images = -1;  // the first N of the train split; -1: all 60,000
    int64_t test_images = -1;   // the first N of the test split for the accuracy; -1: all
    int epochs = 3;
    int64_t batch = 256;
    double max_lr = 2e-3;  // AdamW with a one-cycle schedule (cosine, 30% warm-up)
    double weight_decay = 0.05;
    uint64_t seed = 0;
};

struct DemoTrainingReport {
    int64_t train_images = 0;
    int64_t test_images = 0;
    int64_t parameters = 0;
    int64_t steps = 0;
    std::vector<double> epoch_seconds;
    std::vector<double> epoch_loss;  // mean training loss of each epoch
    double test_accuracy = 0.0;
    double eval_seconds = 0.0;
};

// Trains on `train`, measures accuracy on `test`, and saves the TorchScript model (with its
// taxoscope.json) to `model_file` atomically. Deterministic for a seed and a thread count.
Result<DemoTrainingReport> train_demo_vit(const FashionMnistSplit& train,
                                          const FashionMnistSplit& test,
                                          const DemoTrainingOptions& options,
                                          const std::filesystem::path& model_file,
                                          ProgressSink& progress, const CancelToken& cancel);

}  // namespace taxoscope::core
