// `taxoscope-cli demo`: builds a complete workspace from Debian's Fashion-MNIST and WordNet
// through the path a user's model takes (docs/demo.md). Every stage is skipped when its output
// is complete, so an interrupted run continues where it stopped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/demo/demo_sae_stage.h"
#include "core/demo/demo_vit.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct DemoOptions {
    std::filesystem::path out;  // absent, empty, or a demo folder made with the same settings
    bool quick = false;         // a few hundred images and short training (tests)
    uint64_t seed = 0;
    std::filesystem::path fashion_mnist_dir;  // empty: /usr/share/datasets/fashion-mnist
};

// What each stage does for a choice of quick/seed.
struct DemoPlan {
    DemoTrainingOptions training;
    int64_t extract_train_images = 0;  // the first N train images, then...
    int64_t extract_test_images = 0;   // ...the first M test images
    int64_t extract_batch = 0;
    DemoSaePlan sae;
};
DemoPlan make_demo_plan(bool quick, uint64_t seed);

struct DemoStage {
    std::string name;  // "model", "extract", "sae block1", ..., "analysis", "record"
    bool ran = false;  // false: its output was already complete (or it is not available)
    double seconds = 0.0;
    std::string note;  // why it did not run, when it did not
};

struct DemoResult {
    std::filesystem::path workspace;   // == options.out
    std::filesystem::path model_file;  // model/fashion_vit.pt inside it
    double model_test_acc = 0.0;
    bool analysis_done = false;
    std::vector<DemoStage> stages;
};

// demo.json marks a folder as a demo (its settings and stage record); the same record is copied
// into workspace.json's extra "demo" section when the workspace is complete.
inline constexpr const char* kDemoRecordFile = "demo.json";

Result<DemoResult> run_demo(const DemoOptions& options, ProgressSink& progress,
                            const CancelToken& cancel);

}  // namespace taxoscope::core
