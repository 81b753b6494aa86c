// The extraction pipeline: images -> model -> activations/<layer>.npy + images.tsv +
// extract_report.tsv + workspace.json, streaming, resumable after an interruption.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/model_runner.h"
#include "core/store/dtype.h"
#include "core/store/workspace_manifest.h"
#include "core/util/cancel.h"
#include "core/util/progress.h"

namespace taxoscope::core {

struct ExtractOptions {
    std::filesystem::path model;
    std::filesystem::path out;        // the workspace folder to create (or resume)
    std::vector<std::string> layers;  // empty or {"all"}: every layer
    TokenChoice token = TokenChoice::Auto;
    RunnerOptions runner;
    int64_t batch = 0;                // 0: 8 on CPU, 64 on CUDA
    int workers = 0;                  // decode threads; 0: all cores
    DType dtype = DType::F16;         // F16 or F32
    int64_t limit = -1;               // only the first `limit` images of the dataset
    double checkpoint_seconds = 2.0;  // how often progress is made durable (0: every batch)
};

struct ExtractSummary {
    int64_t images = 0;   // rows written
    int64_t skipped = 0;  // images listed in extract_report.tsv
    bool resumed = false;
    std::vector<WorkspaceLayer> layers;
    double seconds = 0.0;
};

// Nothing that exists is overwritten: `out` must be absent, empty, or hold an interrupted run
// of the same settings (which is then continued; the result is byte-identical to an
// uninterrupted run). Cancellation makes the progress durable and returns Cancelled.
Result<ExtractSummary> extract_activations(const Dataset& dataset, const ExtractOptions& options,
                                           ProgressSink& progress, const CancelToken& cancel);

int64_t default_batch_size(bool cuda);

}  // namespace taxoscope::core
