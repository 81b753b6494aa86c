#include "core/compute/feature_top_k.h"

#include <algorithm>
#include <numeric>
#include <string>

#include <ATen/Parallel.h>

namespace taxoscope::core {
namespace {

// True when (va, ra) should be evicted before (vb, rb).
bool evicts_first(float va, int64_t ra, float vb, int64_t rb) {
    return va < vb || (va == vb && ra > rb);
}

}  // namespace

FeatureTopK::FeatureTopK(int64_t d_sae, int64_t k, float tau)
    : d_sae_(std::max<int64_t>(d_sae, 0)),
      k_(std::max<int64_t>(k, 1)),
      tau_(tau),
      entry_value_(static_cast<size_t>(d_sae_ * k_), 0.0f),
      entry_row_(static_cast<size_t>(d_sae_ * k_), -1),
      size_(static_cast<size_t>(d_sae_), 0),
      admit_above_(static_cast<size_t>(d_sae_), tau) {}

void FeatureTopK::push(int64_t feature, float value, int64_t row) {
    float* values = entry_value_.data() + feature * k_;
    int64_t* rows = entry_row_.data() + feature * k_;
    int64_t& size = size_[static_cast<size_t>(feature)];
    int64_t at;
    if (size < k_) {
        // Sift up from the new leaf.
        at = size++;
        while (at > 0) {
            const int64_t parent = (at - 1) / 2;
            if (!evicts_first(value, row, values[parent], rows[parent])) {
                break;
            }
            values[at] = values[parent];
            rows[at] = rows[parent];
            at = parent;
        }
    } else {
        // Replace the root and sift down.
        at = 0;
        for (;;) {
            const int64_t left = 2 * at + 1;
            if (left >= k_) {
                break;
            }
            int64_t child = left;
            if (left + 1 < k_ &&
                evicts_first(values[left + 1], rows[left + 1], values[left], rows[left])) {
                child = left + 1;
            }
            if (!evicts_first(values[child], rows[child], value, row)) {
                break;
            }
            values[at] = values[child];
            rows[at] = rows[child];
            at = child;
        }
    }
    values[at] = value;
    rows[at] = row;
    if (size == k_) {
        admit_above_[static_cast<size_t>(feature)] = values[0];
    }
}

void FeatureTopK::scan_features(const EncodedBlock& block, int64_t begin, int64_t end) {
    // Almost every value is rejected once the heaps are full, so the scan is what costs: test
    // a chunk at a time with a loop the compiler vectorises (no stores, no calls), and walk the
    // chunk value by value only when something in it gets in.
    constexpr int64_t kChunk = 32;
    const float* admit = admit_above_.data();
    for (int64_t i = 0; i < block.rows; ++i) {
        const float* z = block.codes + i * block.d_sae;
        const int64_t row = block.first_row + i;
        for (int64_t j0 = begin; j0 < end; j0 += kChunk) {
            const int64_t j1 = std::min(j0 + kChunk, end);
            int hits = 0;
            for (int64_t j = j0; j < j1; ++j) {
                hits += z[j] > admit[j] ? 1 : 0;
            }
            if (hits == 0) {
                continue;
            }
            // Strictly greater: an equal value arriving later has the higher row and loses.
            for (int64_t j = j0; j < j1; ++j) {
                if (z[j] > admit[j]) {
                    push(j, z[j], row);
                }
            }
        }
    }
}

void FeatureTopK::add_features(const SparseCodes& codes, int64_t begin, int64_t end) {
    // Once the heaps are full almost every entry is rejected by one compare.
    const float* admit = admit_above_.data();
    for (int64_t i = 0; i < codes.rows; ++i) {
        const int64_t row = codes.first_row + i;
        const auto [e0, e1] = codes.entries_of(i, begin, end);
        for (int64_t e = e0; e < e1; ++e) {
            const int64_t j = codes.feature[static_cast<size_t>(e)];
            const float v = codes.value[static_cast<size_t>(e)];
            // Strictly greater: an equal value arriving later has the higher row and loses.
            if (v > admit[j]) {
                push(j, v, row);
            }
        }
    }
}

Result<void> FeatureTopK::accept(int64_t first_row, int64_t d_sae) const {
    if (d_sae != d_sae_) {
        return fail(ErrorCode::ShapeMismatch, "top-k per feature: block has " +
                                                  std::to_string(d_sae) + " features, expected " +
                                                  std::to_string(d_sae_));
    }
    if (tau_ < 0.0f) {
        return fail(ErrorCode::InvalidArgument,
                    "top-k per feature: tau must be >= 0 (codes are never negative, so a "
                    "negative tau would let every zero code in)");
    }
    if (first_row < next_row_) {
        return fail(ErrorCode::InvalidArgument,
                    "top-k per feature: block starting at row " + std::to_string(first_row) +
                        " arrived after row " + std::to_string(next_row_ - 1));
    }
    return {};
}

Result<void> FeatureTopK::add(const EncodedBlock& block) {
    if (auto ok = accept(block.first_row, block.d_sae); !ok) {
        return ok;
    }
    if (block.rows > 0 && block.codes == nullptr) {
        return fail(ErrorCode::InvalidArgument, "top-k per feature: block without codes");
    }
    next_row_ = block.first_row + block.rows;
    // Scanning the dense block against the admission thresholds is cheaper than gathering its
    // non-zero codes when nothing else needs them: once the heaps are full almost no chunk gets
    // in, however many codes fire.
    at::parallel_for(0, d_sae_, 1024,
                     [&](int64_t begin, int64_t end) { scan_features(block, begin, end); });
    return {};
}

Result<void> FeatureTopK::add(const SparseCodes& codes) {
    if (auto ok = accept(codes.first_row, codes.d_sae); !ok) {
        return ok;
    }
    next_row_ = codes.first_row + codes.rows;
    // Features are independent: split them over the threads, each walking all rows of its slice.
    at::parallel_for(0, d_sae_, 1024,
                     [&](int64_t begin, int64_t end) { add_features(codes, begin, end); });
    return {};
}

FeatureTopKTable FeatureTopK::table() const {
    FeatureTopKTable out;
    out.d_sae = d_sae_;
    out.k = k_;
    out.values.assign(static_cast<size_t>(d_sae_ * k_), 0.0f);
    out.rows.assign(static_cast<size_t>(d_sae_ * k_), -1);
    out.filled.assign(size_.begin(), size_.end());
    std::vector<int64_t> order(static_cast<size_t>(k_));
    for (int64_t j = 0; j < d_sae_; ++j) {
        const float* values = entry_value_.data() + j * k_;
        const int64_t* rows = entry_row_.data() + j * k_;
        const int64_t n = size_[static_cast<size_t>(j)];
        order.resize(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), int64_t{0});
        std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return evicts_first(values[b], rows[b], values[a], rows[a]);
        });
        for (int64_t s = 0; s < n; ++s) {
            out.values[static_cast<size_t>(j * k_ + s)] = values[order[static_cast<size_t>(s)]];
            out.rows[static_cast<size_t>(j * k_ + s)] = rows[order[static_cast<size_t>(s)]];
        }
    }
    return out;
}

}  // namespace taxoscope::core
