// Streaming top-k per SAE feature: the k rows with the largest activation z_ij > tau, ties
// broken by the lower row index (DESIGN.md, "Top-k set"). Fed one encoded block at a time, so an
// N x d_sae matrix never exists.
#pragma once

#include <cstdint>
#include <vector>

#include "core/compute/sae_kernel.h"
#include "core/compute/sparse_codes.h"

namespace taxoscope::core {

// Row-major [d_sae, k] tables; feature j's entries are sorted by value (descending), then row
// (ascending). Features that fired on fewer than k rows are padded with row -1 and value 0.
struct FeatureTopKTable {
    int64_t d_sae = 0;
    int64_t k = 0;
    std::vector<float> values;
    std::vector<int64_t> rows;
    std::vector<int64_t> filled;  // [d_sae]: how many entries of each feature are real
};

class FeatureTopK {
  public:
    FeatureTopK(int64_t d_sae, int64_t k, float tau = 0.0f);

    // Blocks must arrive in increasing row order (as encode_stream delivers them): the tie rule
    // relies on every new row having a higher index than the rows already kept.
    Result<void> add(const EncodedBlock& block);
    // The same from the block's non-zero codes. Both refuse a negative tau (codes are never
    // negative, so it would let every zero code in).
    Result<void> add(const SparseCodes& codes);

    FeatureTopKTable table() const;

    int64_t d_sae() const { return d_sae_; }
    int64_t k() const { return k_; }

  private:
    // Whether a block of d_sae features starting at first_row may come next.
    Result<void> accept(int64_t first_row, int64_t d_sae) const;
    // Scans features [begin, end) of one dense block.
    void scan_features(const EncodedBlock& block, int64_t begin, int64_t end);
    // Walks the entries of features [begin, end) of one block.
    void add_features(const SparseCodes& codes, int64_t begin, int64_t end);
    void push(int64_t feature, float value, int64_t row);

    int64_t d_sae_;
    int64_t k_;
    float tau_;
    int64_t next_row_ = 0;
    // Per feature a min-heap whose root is the entry to evict next: the smallest value, and of
    // equal values the highest row. entry_value_/entry_row_ are [d_sae, k].
    std::vector<float> entry_value_;
    std::vector<int64_t> entry_row_;
    std::vector<int64_t> size_;
    std::vector<float> admit_above_;  // [d_sae]: tau until the heap is full, then its root
};

}  // namespace taxoscope::core
