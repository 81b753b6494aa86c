// Per-feature statistics of one layer's SAE codes, accumulated block by block from the encode
// stream (docs/analysis.md, "Streaming statistics"): firing counts, sums, sums of squares, maxima,
// a log-spaced histogram, and the class x feature firing counts and sums under the true labels
// and under the shuffled baseline labels. Nothing of size rows x features is ever held.
#pragma once

#include <cstdint>
#include <vector>

#include "core/compute/sae_kernel.h"
#include "core/compute/sparse_codes.h"

namespace taxoscope::core {

// Histogram bins: kHistBins log-spaced bins, kHistBinsPerDecade per decade from
// 10^kHistFirstExponent. A firing value z goes to bin floor(4 * (log10 z + 4)), clamped to
// [0, kHistBins - 1]: values below 1e-4 land in the first bin, values above 1e4 in the last.
inline constexpr int kHistBins = 32;
inline constexpr int kHistBinsPerDecade = 4;
inline constexpr int kHistFirstExponent = -4;

// The kHistBins + 1 bin edges, 10^(kHistFirstExponent + b / kHistBinsPerDecade).
std::vector<double> histogram_edges();
// The bin of a firing value (as the accumulator computes it, in float32).
int histogram_bin(float z);

struct FeatureStatistics {
    int64_t d_sae = 0;
    int64_t classes = 0;
    int64_t rows = 0;                          // rows seen
    std::vector<int64_t> fire_count;           // [D]: rows with z > tau (labelled or not)
    std::vector<double> act_sum;               // [D]: sum of z over those rows
    std::vector<double> act_sq_sum;            // [D]: sum of z^2 over those rows
    std::vector<float> act_max;                // [D]: largest z, 0 when it never fired
    std::vector<int64_t> hist;                 // [D, kHistBins]
    std::vector<int64_t> class_fire;           // [C, D]: firing rows per true class
    std::vector<float> class_sum;              // [C, D]: sum of z over them (summed in double)
    std::vector<int64_t> class_fire_baseline;  // [C, D]: firing rows per shuffled class
};

class FeatureStatisticsAccumulator {
  public:
    // `parallel`: split each block's features over LibTorch's intra-op threads. tau must be
    // >= 0 (add() says so otherwise): codes are never negative, and the accumulator walks only
    // the non-zero ones.
    FeatureStatisticsAccumulator(int64_t d_sae, int64_t classes, float tau, bool parallel = true);

    // labels / baseline_labels are indexed by absolute row (the whole stream), values in
    // [-1, classes): -1 rows count in the per-feature figures but in no class.
    Result<void> add(const EncodedBlock& block, const int32_t* labels,
                     const int32_t* baseline_labels);
    Result<void> add(const SparseCodes& codes, const int32_t* labels,
                     const int32_t* baseline_labels);

    // The statistics so far; the accumulator is empty afterwards.
    FeatureStatistics take();

  private:
    void add_features(const SparseCodes& codes, const int32_t* labels,
                      const int32_t* baseline_labels, int64_t begin, int64_t end);

    // One firing code updates its true class's count and sum together: kept side by side they
    // share a cache line, one miss instead of two (the [C, D] tables are far larger than cache).
    struct ClassCell {
        int64_t fire = 0;
        double sum = 0.0;
    };

    FeatureStatistics s_;  // class_fire and class_sum are filled from class_cells_ by take()
    std::vector<ClassCell> class_cells_;  // [C, D]
    SparseCodes scratch_;                 // for blocks handed over dense
    float tau_;
    bool parallel_;
};

}  // namespace taxoscope::core
