// Prefetching batch loader: a pool of decode threads fills a bounded ring of batch buffers,
// in dataset order, while the caller runs inference on the previous batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/preprocess.h"

namespace taxoscope::core {

struct LoadedBatch {
    int64_t first = 0;  // dataset index of item 0
    int64_t count = 0;  // items in this batch
    // count x 3 x H x W floats; item k starts at k * floats_per_image. Failed items hold junk.
    const float* pixels = nullptr;
    std::vector<char> ok;              // per item
    std::vector<std::string> reasons;  // per item: why it failed ("" when ok)
};

class BatchLoader {
  public:
    // Batches are the fixed slices [begin + k*batch_size, ...) of [begin, end): the same items
    // always land in the same batch, whatever the start (resume depends on that).
    // `prefetch` batches are buffered at most (memory: prefetch x batch x floats_per_image).
    BatchLoader(const Dataset& dataset, const PreprocessSpec& spec, int64_t begin, int64_t end,
                int64_t batch_size, int workers, int prefetch = 3);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // The next batch in order; nullptr after the last. Hands the previously returned batch's
    // buffer back to the workers, so that pointer dies here.
    const LoadedBatch* next();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace taxoscope::core
