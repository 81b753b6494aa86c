#include "core/analysis/reconstruction_error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include <ATen/Parallel.h>

#include "core/compute/simd_clones.h"
#include "core/util/huge_pages.h"

namespace taxoscope::core {
namespace {

// Above this fraction of non-zero codes the dense product is cheaper than adding decoder rows
// one by one (a row addition runs at cache speed, the GEMM near the CPU's peak).
constexpr double kSparseDensityLimit = 0.08;
// Decoder columns per slice: 16 floats, one cache line per decoder row, so that a slice of a
// 12,288-feature SAE (768 KiB) stays in L2 while every buffered row reads its lines at random.
constexpr int64_t kSlice = 16;
// Rows decoded together on the sparse route: each pass pulls every slice into L2 once, so
// encode blocks (as small as 64 rows, sized for the GEMM's cache) are gathered up to this many.
constexpr int64_t kDecodeRows = 4096;
// Independent partial sums per row: consecutive additions would otherwise wait on each other's
// latency instead of overlapping their loads from L2.
constexpr int kPartials = 8;

// One decoder line in registers (one AVX-512 register, two AVX2 or four SSE ones).
using Line = float __attribute__((vector_size(kSlice * sizeof(float))));
constexpr uintptr_t kLineBytes = sizeof(Line);

// Adds value times the decoder line at `line` to `sum` (a memcpy, so the line needs no
// particular alignment; it compiles to one vector load). By reference: returning a wide vector
// by value would change the ABI between the clones.
inline void add_line(Line& sum, float value, const float* line) {
    Line w;
    std::memcpy(&w, line, sizeof(w));
    sum += value * w;
}

// ||x_i - x̂_i||^2 restricted to columns [column, column + width), for every row of `codes`,
// into residual[i]. `slice` is [d_sae, kSlice]: W_dec's columns of this slice. Each row's
// reconstruction of the slice stays in registers over all its entries, so nothing is written
// back per entry; only the entries' decoder lines are read, from the L2-resident slice.
TAXOSCOPE_SIMD_CLONES
void slice_residuals(const SparseCodes& codes, const float* slice, const float* rows, int64_t d_in,
                     int64_t column, int64_t width, const float* b_dec, float inv_scale,
                     double* residual) {
    const int64_t* row_start = codes.row_start.data();
    const int32_t* feature = codes.feature.data();
    const float* value = codes.value.data();
    for (int64_t i = 0; i < codes.rows; ++i) {
        Line part[kPartials] = {};
        int64_t e = row_start[i];
        const int64_t end = row_start[i + 1];
        for (; e + kPartials <= end; e += kPartials) {
            for (int k = 0; k < kPartials; ++k) {
                add_line(part[k], value[e + k], slice + int64_t{feature[e + k]} * kSlice);
            }
        }
        for (; e < end; ++e) {
            add_line(part[0], value[e], slice + int64_t{feature[e]} * kSlice);
        }
        Line sum = part[0];
        for (int k = 1; k < kPartials; ++k) {
            sum += part[k];
        }
        const float* x = rows + i * d_in + column;
        double r2 = 0.0;
        for (int64_t q = 0; q < width; ++q) {
            const float x_hat = (sum[q] + b_dec[q]) * inv_scale;
            const double r = static_cast<double>(x[q]) - x_hat;
            r2 += r * r;
        }
        residual[i] = r2;
    }
}

}  // namespace

ReconstructionAccumulator::ReconstructionAccumulator(const Sae& sae, const SaeKernel& kernel)
    : sae_(&sae),
      kernel_(&kernel),
      d_in_(sae.config().d_in),
      x_sum_(static_cast<size_t>(d_in_), 0.0),
      x_sq_sum_(static_cast<size_t>(d_in_), 0.0) {}

void ReconstructionAccumulator::add_input_sums(const float* rows, int64_t count) {
    // Threads own column ranges; each column is summed over the rows in the same order whatever
    // the split, so the FVU does not depend on the thread count.
    at::parallel_for(0, d_in_, 128, [&](int64_t begin, int64_t end) {
        double* sum = x_sum_.data();
        double* sq_sum = x_sq_sum_.data();
        for (int64_t i = 0; i < count; ++i) {
            const float* x = rows + i * d_in_;
            for (int64_t k = begin; k < end; ++k) {
                sum[k] += x[k];
                sq_sum[k] += static_cast<double>(x[k]) * x[k];
            }
        }
    });
}

void ReconstructionAccumulator::add_sparse(const float* rows, const SparseCodes& codes) {
    // The SAE's own weights see s·x; its reconstruction of x is (z·W_dec + b_dec) / s.
    const SaeWeights& w = sae_->weights();
    const int64_t d = codes.d_sae;
    const int64_t slices = (d_in_ + kSlice - 1) / kSlice;
    if (decoder_slices_.empty()) {
        // One spare line, so that every decoder line can start on a cache line: a line split
        // over two would cost two loads. A copy of W_dec (75 MB at 12,288 x 1,536): on huge
        // pages, and laid out by both threads, it takes half the time.
        assign_on_huge_pages(decoder_slices_, static_cast<size_t>((slices * d + 1) * kSlice), 0.0f);
        const auto misalignment = reinterpret_cast<uintptr_t>(decoder_slices_.data()) % kLineBytes;
        decoder_offset_ = misalignment == 0 ? 0 : (kLineBytes - misalignment) / sizeof(float);
        at::parallel_for(0, slices, 1, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) {
                const int64_t width = std::min(kSlice, d_in_ - p * kSlice);
                for (int64_t j = 0; j < d; ++j) {
                    std::copy_n(w.w_dec.data() + j * d_in_ + p * kSlice, width,
                                decoder_slices_.data() + decoder_offset_ + (p * d + j) * kSlice);
                }
            }
        });
    }
    const float* decoder = decoder_slices_.data() + decoder_offset_;
    const auto inv_scale = static_cast<float>(1.0 / sae_->config().activation_scale);
    const int64_t rows_in_block = codes.rows;
    slice_residual_.assign(static_cast<size_t>(slices * rows_in_block), 0.0);
    // Threads take whole slices: each reads only its share of the decoder.
    at::parallel_for(0, slices, 1, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            const int64_t column = p * kSlice;
            slice_residuals(codes, decoder + p * d * kSlice, rows, d_in_, column,
                            std::min(kSlice, d_in_ - column), w.b_dec.data() + column, inv_scale,
                            slice_residual_.data() + p * rows_in_block);
        }
    });
    // Summed in one fixed order whatever the threads did, so the figure does not depend on them.
    for (int64_t i = 0; i < rows_in_block; ++i) {
        for (int64_t p = 0; p < slices; ++p) {
            residual_sq_ += slice_residual_[static_cast<size_t>(p * rows_in_block + i)];
        }
    }
}

Result<void> ReconstructionAccumulator::add_dense(const float* rows, const EncodedBlock& block,
                                                  const SparseCodes& codes) {
    const float* z = block.codes;
    if (z == nullptr) {
        // A sparse-only stream: lay the block's codes out densely for the product.
        dense_codes_.assign(static_cast<size_t>(block.rows * block.d_sae), 0.0f);
        for (int64_t i = 0; i < codes.rows; ++i) {
            for (int64_t e = codes.row_start[static_cast<size_t>(i)];
                 e < codes.row_start[static_cast<size_t>(i) + 1]; ++e) {
                dense_codes_[static_cast<size_t>(i * block.d_sae +
                                                 codes.feature[static_cast<size_t>(e)])] =
                    codes.value[static_cast<size_t>(e)];
            }
        }
        z = dense_codes_.data();
    }
    x_hat_.resize(static_cast<size_t>(block.rows * d_in_));
    if (auto done = kernel_->decode(z, block.rows, x_hat_.data()); !done) {
        return fail(done.error());
    }
    for (int64_t i = 0; i < block.rows; ++i) {
        const float* x = rows + i * d_in_;
        const float* y = x_hat_.data() + i * d_in_;
        double residual = 0.0;
        for (int64_t k = 0; k < d_in_; ++k) {
            const double r = static_cast<double>(x[k]) - y[k];
            residual += r * r;
        }
        residual_sq_ += residual;
    }
    return {};
}

Result<void> ReconstructionAccumulator::add(const float* rows, const EncodedBlock& block) {
    if (block.rows > 0 && block.codes == nullptr) {
        return fail(ErrorCode::InvalidArgument, "reconstruction error: block without codes");
    }
    gather_nonzero_codes(block, scratch_);
    return add(rows, block, scratch_);
}

Result<void> ReconstructionAccumulator::add(const float* rows, const EncodedBlock& block,
                                            const SparseCodes& codes) {
    if (block.rows == 0) {
        return {};
    }
    if (rows == nullptr) {
        return fail(ErrorCode::InvalidArgument, "reconstruction error: block without rows");
    }
    if (codes.rows != block.rows || codes.d_sae != block.d_sae ||
        codes.first_row != block.first_row) {
        return fail(ErrorCode::InvalidArgument,
                    "reconstruction error: the sparse codes are not those of the block");
    }
    if (mode_ == Mode::Undecided) {
        // Decided once, on the first block: the route changes only the speed, not the figure.
        const double codes_in_block = static_cast<double>(block.rows * block.d_sae);
        mode_ = static_cast<double>(codes.entries()) <= kSparseDensityLimit * codes_in_block
                    ? Mode::Sparse
                    : Mode::Dense;
    }
    if (mode_ == Mode::Sparse) {
        buffer_sparse(rows, codes);
        if (pending_.rows >= kDecodeRows) {
            flush_sparse();
        }
    } else if (auto ok = add_dense(rows, block, codes); !ok) {
        return ok;
    }
    add_input_sums(rows, block.rows);
    if (auto ok = check_finite_inputs(rows, block); !ok) {
        return ok;
    }
    rows_ += block.rows;
    return {};
}

Result<void> ReconstructionAccumulator::check_finite_inputs(const float* rows,
                                                            const EncodedBlock& block) const {
    // A non-finite input makes its column's sum of squares non-finite for good, so the sums
    // show it for free; only then are the block's rows searched, to name the value.
    const bool finite =
        std::all_of(x_sq_sum_.begin(), x_sq_sum_.end(), [](double v) { return std::isfinite(v); });
    if (finite) {
        return {};
    }
    for (int64_t i = 0; i < block.rows; ++i) {
        for (int64_t k = 0; k < d_in_; ++k) {
            const float x = rows[i * d_in_ + k];
            if (!std::isfinite(x)) {
                return fail(ErrorCode::InvalidArgument,
                            "activation row " + std::to_string(block.first_row + i) + ", column " +
                                std::to_string(k) + " is " + (std::isnan(x) ? "NaN" : "infinite") +
                                ": the analysis needs finite activations (float16 storage turns "
                                "values beyond ±65,504 into infinities: re-extract with --dtype "
                                "f32, or look for an overflow in the model)");
            }
        }
    }
    // Unreachable with float inputs (their squares stay finite in double); said plainly anyway.
    return fail(ErrorCode::InvalidArgument, "the activations' sums of squares are not finite");
}

void ReconstructionAccumulator::buffer_sparse(const float* rows, const SparseCodes& codes) {
    if (pending_.rows == 0) {
        pending_.first_row = codes.first_row;
        pending_.d_sae = codes.d_sae;
        pending_.row_start.assign(1, 0);
        pending_.feature.clear();
        pending_.value.clear();
        pending_rows_.clear();
    }
    const int64_t offset = pending_.entries();
    for (int64_t i = 1; i <= codes.rows; ++i) {
        pending_.row_start.push_back(offset + codes.row_start[static_cast<size_t>(i)]);
    }
    pending_.feature.insert(pending_.feature.end(), codes.feature.begin(), codes.feature.end());
    pending_.value.insert(pending_.value.end(), codes.value.begin(), codes.value.end());
    pending_rows_.insert(pending_rows_.end(), rows, rows + codes.rows * d_in_);
    pending_.rows += codes.rows;
}

void ReconstructionAccumulator::flush_sparse() {
    if (pending_.rows > 0) {
        add_sparse(pending_rows_.data(), pending_);
        pending_.rows = 0;
    }
}

void ReconstructionAccumulator::finish() {
    flush_sparse();
}

double ReconstructionAccumulator::fvu() const {
    // sum_i ||x_i - mean||^2 = sum_k (sum_i x_ik^2 - (sum_i x_ik)^2 / N), in double.
    if (rows_ == 0 || pending_.rows > 0) {
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
