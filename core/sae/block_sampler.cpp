#include "core/sae/block_sampler.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace taxoscope::core {

uint64_t TrainingRng::below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t draw = next();
    while (draw >= limit) {
        draw = next();
    }
    return draw % n;
}

double TrainingRng::normal() {
    double u1 = uniform();
    while (u1 <= 0.0) {
        u1 = uniform();
    }
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::string TrainingRng::state() const {
    std::ostringstream out;
    out << engine_;
    return out.str();
}

Result<void> TrainingRng::restore(const std::string& state) {
    std::istringstream in(state);
    in >> engine_;
    if (!in) {
        return fail(ErrorCode::Parse, "the checkpoint's random generator state is damaged");
    }
    return {};
}

BlockSampler::BlockSampler(int64_t rows, int64_t block_rows, int64_t holdout_period)
    : rows_(rows), block_rows_(std::max<int64_t>(block_rows, 1)) {
    const int64_t blocks = (rows_ + block_rows_ - 1) / block_rows_;
    for (int64_t b = 0; b < blocks; ++b) {
        const bool held = holdout_period > 1 && b % holdout_period == holdout_period - 1;
        (held ? heldout_ : training_).push_back(b);
    }
    if (training_.empty()) {  // too few rows to hold any out
        training_.swap(heldout_);
    }
    order_ = training_;
}

int64_t BlockSampler::block_count(int64_t b) const {
    return std::min(block_rows_, rows_ - block_first(b));
}

void BlockSampler::shuffle(TrainingRng& rng) {
    order_ = training_;
    for (size_t i = order_.size(); i > 1; --i) {
        std::swap(order_[i - 1], order_[rng.below(i)]);
    }
    cursor_ = 0;
    offset_ = 0;
}

std::vector<std::pair<int64_t, int64_t>> BlockSampler::next_batch(int64_t batch, TrainingRng& rng) {
    std::vector<std::pair<int64_t, int64_t>> runs;
    if (!started_) {
        shuffle(rng);
        started_ = true;
    }
    int64_t needed = batch;
    while (needed > 0) {
        if (cursor_ >= static_cast<int64_t>(order_.size())) {
            shuffle(rng);
        }
        const int64_t b = order_[static_cast<size_t>(cursor_)];
        const int64_t take = std::min(needed, block_count(b) - offset_);
        runs.emplace_back(block_first(b) + offset_, take);
        needed -= take;
        offset_ += take;
        if (offset_ == block_count(b)) {
            offset_ = 0;
            ++cursor_;
        }
    }
    return runs;
}

Result<void> BlockSampler::restore(std::vector<int64_t> order, int64_t cursor, int64_t offset) {
    std::vector<int64_t> sorted(order);
    std::sort(sorted.begin(), sorted.end());
    const bool in_range = cursor >= 0 && cursor <= static_cast<int64_t>(order.size()) &&
                          offset >= 0 &&
                          (cursor == static_cast<int64_t>(order.size())
                               ? offset == 0
                               : offset < block_count(order[static_cast<size_t>(cursor)]));
    if (sorted != training_ || !in_range) {
        return fail(ErrorCode::Parse,
                    "the checkpoint's sampling order does not match this activations file");
    }
    order_ = std::move(order);
    cursor_ = cursor;
    offset_ = offset;
    started_ = true;
    return {};
}

}  // namespace taxoscope::core
