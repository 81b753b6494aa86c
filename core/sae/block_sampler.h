// Shuffled block sampling over a memory-mapped activations file: training batches are built from
// blocks of consecutive rows (cheap to read from a mapping) taken in a random order that is
// reshuffled every epoch. Deterministic for a seed, on every platform (its own generator and
// integer draws, no std::distribution), and its whole state can be saved and restored.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::core {

// A deterministic 64-bit generator with portable draws.
class TrainingRng {
  public:
    explicit TrainingRng(uint64_t seed) : engine_(seed) {}
    uint64_t next() { return engine_(); }
    // Uniform in [0, n) (rejection sampling: no modulo bias).
    uint64_t below(uint64_t n);
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Standard normal (Box-Muller).
    double normal();
    std::string state() const;
    Result<void> restore(const std::string& state);

  private:
    std::mt19937_64 engine_;
};

class BlockSampler {
  public:
    // Rows [0, rows) in blocks of `block_rows`; every `holdout_period`-th block (the last of each
    // period) is held out for evaluation and never sampled for training (0 = none held out).
    BlockSampler(int64_t rows, int64_t block_rows, int64_t holdout_period);

    int64_t block_rows() const { return block_rows_; }
    const std::vector<int64_t>& training_blocks() const { return training_; }
    const std::vector<int64_t>& heldout_blocks() const { return heldout_; }
    // Rows of block b: [first, first + count).
    int64_t block_first(int64_t b) const { return b * block_rows_; }
    int64_t block_count(int64_t b) const;

    // The next `batch` rows as (first, count) runs, drawing blocks in the current epoch's order
    // and reshuffling with `rng` when an epoch ends.
    std::vector<std::pair<int64_t, int64_t>> next_batch(int64_t batch, TrainingRng& rng);

    // Epoch order and position in it, for checkpoints.
    const std::vector<int64_t>& order() const { return order_; }
    int64_t cursor() const { return cursor_; }
    int64_t offset() const { return offset_; }
    Result<void> restore(std::vector<int64_t> order, int64_t cursor, int64_t offset);

  private:
    void shuffle(TrainingRng& rng);

    int64_t rows_;
    int64_t block_rows_;
    std::vector<int64_t> training_;
    std::vector<int64_t> heldout_;
    std::vector<int64_t> order_;  // a permutation of training_
    int64_t cursor_ = 0;          // next position in order_
    int64_t offset_ = 0;          // rows of order_[cursor_] already used
    bool started_ = false;        // the first epoch is shuffled on the first draw
};

}  // namespace taxoscope::core
