// The non-zero codes of one encoded block in compressed-row form. A trained SAE fires on a few
// percent of its features, so everything that only looks at firing codes (statistics, top-k,
// the sparse decode) walks these entries instead of rescanning the dense block.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/compute/sae_kernel.h"

namespace taxoscope::core {

struct SparseCodes {
    int64_t first_row = 0;  // absolute index of the block's first row
    int64_t rows = 0;
    int64_t d_sae = 0;
    std::vector<int64_t>
        row_start;                 // [rows + 1]: row i's entries are [row_start[i], row_start[i+1])
    std::vector<int32_t> feature;  // ascending within each row
    std::vector<float> value;      // never 0

    int64_t entries() const { return row_start.empty() ? 0 : row_start.back(); }
    // The first entry of row i whose feature is >= j (row i's end when none is).
    int64_t lower_bound(int64_t i, int64_t j) const;
    // Row i's entries with a feature in [begin, end), as [first, last) entry indices.
    std::pair<int64_t, int64_t> entries_of(int64_t i, int64_t begin, int64_t end) const;
};

// Writes the non-zero codes of z[0, n) to feature/value and returns how many. Both must hold
// n + 1 entries: the compaction is branchless and stores one slot past the last kept entry.
int64_t compact_nonzero(const float* z, int64_t n, int32_t* feature, float* value);

// Collects the non-zero codes of `block` into `out`, reusing its storage; rows are split over
// LibTorch's threads.
void gather_nonzero_codes(const EncodedBlock& block, SparseCodes& out);

}  // namespace taxoscope::core
