#include "core/data/batch_loader.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace taxoscope::core {

struct BatchLoader::Impl {
    struct Slot {
        LoadedBatch batch;
        std::vector<float> buffer;
        int64_t id = -1;        // batch number held
        int64_t remaining = 0;  // items still being decoded
    };

    const Dataset& dataset;
    PreprocessSpec spec;
    int64_t begin;
    int64_t end;
    int64_t batch_size;
    int64_t batch_count;
    std::vector<Slot> slots;

    std::mutex mutex;
    std::condition_variable work_cv;   // workers wait for a free slot
    std::condition_variable ready_cv;  // the consumer waits for a complete batch
    int64_t next_item;
    int64_t released = 0;  // batches [0, released) are consumed; their slots are free
    int64_t handed_out = -1;
    bool stopping = false;
    std::vector<std::thread> threads;

    Impl(const Dataset& d, const PreprocessSpec& s, int64_t b, int64_t e, int64_t bs, int prefetch)
        : dataset(d),
          spec(s),
          begin(b),
          end(e),
          batch_size(bs),
          batch_count((e - b + bs - 1) / bs),
          slots(static_cast<size_t>(prefetch)),
          next_item(b) {}

    void work() {
        const size_t floats = spec.floats_per_image();
        for (;;) {
            int64_t item = 0;
            Slot* slot = nullptr;
            {
                std::unique_lock<std::mutex> lock(mutex);
                work_cv.wait(lock, [&] {
                    return stopping || next_item >= end ||
                           (next_item - begin) / batch_size <
                               released + static_cast<int64_t>(slots.size());
                });
                if (stopping || next_item >= end) {
                    return;
                }
                item = next_item++;
                const int64_t id = (item - begin) / batch_size;
                slot = &slots[static_cast<size_t>(id) % slots.size()];
                if (slot->id != id) {
                    // First item of the batch: claims are in order, so this runs before any
                    // other item of the batch is touched.
                    const int64_t first = begin + id * batch_size;
                    const int64_t count = std::min(batch_size, end - first);
                    slot->id = id;
                    slot->remaining = count;
                    slot->batch.first = first;
                    slot->batch.count = count;
                    slot->batch.ok.assign(static_cast<size_t>(count), 0);
                    slot->batch.reasons.assign(static_cast<size_t>(count), std::string());
                    slot->buffer.resize(static_cast<size_t>(batch_size) * floats);
                    slot->batch.pixels = slot->buffer.data();
                }
            }
            const size_t k = static_cast<size_t>(item - slot->batch.first);
            std::string reason;
            auto image = dataset.load(static_cast<size_t>(item));
            if (image) {
                auto done = preprocess_into(*image, spec, slot->buffer.data() + k * floats);
                if (!done) {
                    reason = done.error().message;
                }
            } else {
                reason = image.error().message;
            }
            {
                std::lock_guard<std::mutex> lock(mutex);
                slot->batch.ok[k] = reason.empty() ? 1 : 0;
                slot->batch.reasons[k] = std::move(reason);
                if (--slot->remaining == 0) {
                    ready_cv.notify_all();
                }
            }
        }
    }
};

BatchLoader::BatchLoader(const Dataset& dataset, const PreprocessSpec& spec, int64_t begin,
                         int64_t end, int64_t batch_size, int workers, int prefetch)
    : impl_(std::make_unique<Impl>(dataset, spec, begin, std::max(begin, end),
                                   std::max<int64_t>(1, batch_size), std::max(2, prefetch))) {
    const int count = std::max(1, workers);
    for (int i = 0; i < count; ++i) {
        impl_->threads.emplace_back([this] { impl_->work(); });
    }
}

BatchLoader::~BatchLoader() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->work_cv.notify_all();
    for (auto& t : impl_->threads) {
        t.join();
    }
}

const LoadedBatch* BatchLoader::next() {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    if (impl_->handed_out >= 0) {
        impl_->released = impl_->handed_out + 1;
        impl_->work_cv.notify_all();
    }
    const int64_t id = impl_->released;
    if (id >= impl_->batch_count) {
        return nullptr;
    }
    auto& slot = impl_->slots[static_cast<size_t>(id) % impl_->slots.size()];
    impl_->ready_cv.wait(lock, [&] { return slot.id == id && slot.remaining == 0; });
    impl_->handed_out = id;
    return &slot.batch;
}

}  // namespace taxoscope::core
