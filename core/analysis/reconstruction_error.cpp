#include "core/analysis/reconstruction_error.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/Parallel.h>

namespace taxoscope::core {
namespace {

// Above this fraction of non-zero codes the dense product is cheaper than adding decoder rows
// one by one (a row addition runs at memory speed, the GEMM near the CPU's peak).
constexpr double kSparseDensityLimit = 0.08;
// Decoder rows handled together, so that they stay in cache while every row of the block uses
// them: 64 rows of a 1,536-wide decoder are 384 KiB.
constexpr int64_t kFeatureTile = 64;

}  // namespace

ReconstructionAccumulator::ReconstructionAccumulator(const Sae& sae, const SaeKernel& kernel)
    : sae_(&sae),
      kernel_(&kernel),
      d_in_(sae.config().d_in),
      x_sum_(static_cast<size_t>(d_in_), 0.0),
      x_sq_sum_(static_cast<size_t>(d_in_), 0.0) {}

void ReconstructionAccumulator::decode_sparse(const EncodedBlock& block, float* out) const {
    // The SAE's own weights see s·x; its reconstruction of x is (z·W_dec + b_dec) / s.
    const SaeWeights& w = sae_->weights();
    const auto inv_scale = static_cast<float>(1.0 / sae_->config().activation_scale);
    const int64_t d = block.d_sae;
    const int64_t d_in = d_in_;
    at::parallel_for(0, block.rows, 16, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            std::copy(w.b_dec.begin(), w.b_dec.end(), out + i * d_in);
        }
        for (int64_t j0 = 0; j0 < d; j0 += kFeatureTile) {
            const int64_t j1 = std::min(j0 + kFeatureTile, d);
            for (int64_t i = begin; i < end; ++i) {
                const float* z = block.codes + i * d;
                float* x = out + i * d_in;
                for (int64_t j = j0; j < j1; ++j) {
                    const float v = z[j];
                    if (v == 0.0f) {
                        continue;
                    }
                    const float* row = w.w_dec.data() + j * d_in;
                    for (int64_t k = 0; k < d_in; ++k) {
                        x[k] += v * row[k];
                    }
                }
            }
        }
        for (int64_t k = begin * d_in; k < end * d_in; ++k) {
            out[k] *= inv_scale;
        }
    });
}

Result<void> ReconstructionAccumulator::add(const float* rows, const EncodedBlock& block) {
    if (block.rows == 0) {
        return {};
    }
    const int64_t n = block.rows * d_in_;
    x_hat_.resize(static_cast<size_t>(n));
    if (mode_ == Mode::Undecided) {
        // Decided once, on the first block: the route changes only the speed, not the figure.
        int64_t nonzero = 0;
        const int64_t codes = block.rows * block.d_sae;
        for (int64_t k = 0; k < codes; ++k) {
            nonzero += block.codes[k] != 0.0f ? 1 : 0;
        }
        mode_ = static_cast<double>(nonzero) <= kSparseDensityLimit * static_cast<double>(codes)
                    ? Mode::Sparse
                    : Mode::Dense;
    }
    if (mode_ == Mode::Sparse) {
        decode_sparse(block, x_hat_.data());
    } else if (auto done = kernel_->decode(block.codes, block.rows, x_hat_.data()); !done) {
        return fail(done.error());
    }
    for (int64_t i = 0; i < block.rows; ++i) {
        const float* x = rows + i * d_in_;
        const float* y = x_hat_.data() + i * d_in_;
        double residual = 0.0;
        for (int64_t k = 0; k < d_in_; ++k) {
            const double r = static_cast<double>(x[k]) - y[k];
            residual += r * r;
            x_sum_[static_cast<size_t>(k)] += x[k];
            x_sq_sum_[static_cast<size_t>(k)] += static_cast<double>(x[k]) * x[k];
        }
        residual_sq_ += residual;
    }
    rows_ += block.rows;
    return {};
}

double ReconstructionAccumulator::fvu() const {
    // sum_i ||x_i - mean||^2 = sum_k (sum_i x_ik^2 - (sum_i x_ik)^2 / N), in double.
    if (rows_ == 0) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    double total = 0.0;
    for (size_t k = 0; k < x_sum_.size(); ++k) {
        total += x_sq_sum_[k] - x_sum_[k] * x_sum_[k] / static_cast<double>(rows_);
    }
    if (!(total > 0.0)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return residual_sq_ / total;
}

}  // namespace taxoscope::core
