// SAE reconstruction error of one layer, accumulated block by block from the encode stream:
// FVU = sum_i ||x_i - x̂_i||^2 / sum_i ||x_i - mean||^2 over all rows (docs/analysis.md).
//
// x̂ is decoded from the block's codes without a dense product when the codes are sparse (a
// trained SAE fires on a few percent of its features): each active code adds its decoder row,
// a slice of columns at a time so that the decoder's slice stays in cache for every buffered
// row. Dense blocks (a freshly initialised SAE) go through SaeKernel::decode instead.
#pragma once

#include <cstdint>
#include <vector>

#include "core/compute/sparse_codes.h"
#include "core/sae/sae.h"

namespace taxoscope::core {

class ReconstructionAccumulator {
  public:
    // The SAE and the kernel must outlive the accumulator; the kernel must be able to decode.
    ReconstructionAccumulator(const Sae& sae, const SaeKernel& kernel);

    // rows: the block's input rows [block.rows, d_in] in the activations' own scale.
    Result<void> add(const float* rows, const EncodedBlock& block);
    // The same with the block's non-zero codes already gathered (the analysis shares them);
    // block.codes may then be null (a sparse-only stream).
    Result<void> add(const float* rows, const EncodedBlock& block, const SparseCodes& codes);

    // Decodes the rows still buffered (the sparse route decodes up to 4,096 rows at a time).
    // Call once all blocks are in, before fvu().
    void finish();

    int64_t rows() const { return rows_; }
    // NaN when no row was seen, when rows are still buffered (finish() not called), or when
    // every row equals the mean.
    double fvu() const;
    // Whether the sparse route was taken for the blocks so far (for reports).
    bool sparse() const { return mode_ == Mode::Sparse; }

  private:
    enum class Mode { Undecided, Sparse, Dense };
    void add_sparse(const float* rows, const SparseCodes& codes);
    void buffer_sparse(const float* rows, const SparseCodes& codes);
    void flush_sparse();
    Result<void> add_dense(const float* rows, const EncodedBlock& block, const SparseCodes& codes);
    void add_input_sums(const float* rows, int64_t count);
    // An error naming the first non-finite value of `rows` once the input sums stop being
    // finite (they stay so: the block that did it is the one just added).
    Result<void> check_finite_inputs(const float* rows, const EncodedBlock& block) const;

    const Sae* sae_;
    const SaeKernel* kernel_;
    int64_t d_in_;
    Mode mode_ = Mode::Undecided;
    std::vector<float> x_hat_;            // dense route: the block's reconstruction
    std::vector<float> dense_codes_;      // dense route, sparse-only streams: the block's codes
    std::vector<float> decoder_slices_;   // sparse route: W_dec as [slices, d_sae, slice width]
    size_t decoder_offset_ = 0;           // ... from its first cache-line boundary on
    std::vector<double> slice_residual_;  // sparse route: [slices, rows] parts of ||x_i - x̂_i||^2
    SparseCodes scratch_;                 // for blocks handed over without their sparse codes
    SparseCodes pending_;                 // sparse route: blocks not decoded yet
    std::vector<float> pending_rows_;     // ... and their input rows
    std::vector<double> x_sum_;           // [d_in]
    std::vector<double> x_sq_sum_;        // [d_in]
    double residual_sq_ = 0.0;
    int64_t rows_ = 0;
};

}  // namespace taxoscope::core
