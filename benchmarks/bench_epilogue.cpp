// The encode epilogue's ways of handing over one block, timed against the plain dense epilogue
// in the same run (docs/compute.md, "Sparse stream output"):
//   bench_epilogue [rows=64] [d_sae=12288] [firing=0.02]
// Synthetic pre-activations (standard normal, the bias set so that `firing` of the codes pass the
// ReLU). Per block: the oneDNN route's transposed epilogue writing dense codes (the reference),
// the same followed by the gather, and collecting the sparse codes alone; the row-major (BLAS)
// epilogue with the gather after it and with the compaction fused. Rounds interleave the ways so
// that the shared machine's drift falls on all of them alike.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/compute/block_epilogue.h"
#include "core/compute/sparse_codes.h"
#include "core/util/threads.h"

using namespace taxoscope::core;

namespace {

template <typename Body>
double milliseconds_per_call(int calls, Body&& body) {
    const auto start = std::chrono::steady_clock::now();
    for (int c = 0; c < calls; ++c) {
        body();
    }
    const std::chrono::duration<double, std::milli> spent =
        std::chrono::steady_clock::now() - start;
    return spent.count() / calls;
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 64;
    const int64_t d_sae = argc > 2 ? std::atoll(argv[2]) : 12288;
    const double firing = argc > 3 ? std::atof(argv[3]) : 0.02;
    if (rows < 1 || d_sae < 1 || !(firing > 0.0 && firing < 1.0)) {
        std::fprintf(stderr, "usage: bench_epilogue [rows=64] [d_sae=12288] [firing=0.02]\n");
        return 2;
    }
    apply_thread_count(0);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    std::vector<float> pre(static_cast<size_t>(rows * d_sae));
    for (float& v : pre) {
        v = normal(rng);
    }
    // P(N(0,1) > t) = firing: bisect the normal tail for t; the bias shifts the cut there.
    double lo = -10.0, hi = 10.0;
    for (int step = 0; step < 100; ++step) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(mid / std::sqrt(2.0)) > firing ? lo : hi) = mid;
    }
    std::vector<float> bias(static_cast<size_t>(d_sae), static_cast<float>(-lo));
    std::vector<float> cut(static_cast<size_t>(d_sae), 0.0f);
    std::vector<float> dense(pre.size());
    taxoscope::core::detail::SparseParts parts;
    SparseCodes codes;
    taxoscope::core::detail::EpilogueArgs args;
    args.rows = rows;
    args.features = d_sae;
    args.bias = bias.data();
    args.cut = cut.data();
    const EncodedBlock block{0, rows, d_sae, dense.data(), nullptr};
    const int calls = static_cast<int>(std::max<int64_t>(20, 200000000 / (rows * d_sae)));

    std::printf("threads %d; block %lld rows x %lld features, %.1f%% firing; %d calls per figure\n",
                parallel_loop_width(), static_cast<long long>(rows), static_cast<long long>(d_sae),
                100.0 * firing, calls);
    // The ways a block can be handed over; the first is the reference.
    struct Way {
        const char* name;
        bool transposed;  // the oneDNN route's [d_sae, B] product, else row-major (BLAS)
        bool dense;       // dense codes written
        bool collect;     // sparse codes collected by the epilogue
        bool gather;      // sparse codes gathered from the dense block afterwards
    };
    const Way ways[] = {
        {"transposed dense", true, true, false, false},
        {"transposed dense + gather", true, true, false, true},
        {"transposed sparse alone", true, false, true, false},
        {"rows dense + gather", false, true, false, true},
        {"rows fused", false, true, true, false},
    };
    auto hand_over = [&](const Way& way) {
        args.out = way.dense ? dense.data() : nullptr;
        args.sparse = way.collect ? &parts : nullptr;
        if (way.transposed) {
            taxoscope::core::detail::epilogue_transposed(pre.data(), args);
        } else {
            taxoscope::core::detail::epilogue_rows(pre.data(), args);
        }
        if (way.collect) {
            taxoscope::core::detail::collect_sparse(parts, 0, d_sae, codes);
        }
        if (way.gather) {
            gather_nonzero_codes(block, codes);
        }
    };
    for (int round = 0; round < 3; ++round) {
        std::printf("round %d:", round + 1);
        double reference = 0.0;
        for (const Way& way : ways) {
            const double ms = milliseconds_per_call(calls, [&] { hand_over(way); });
            reference = reference > 0.0 ? reference : ms;
            std::printf(" %s %.3f ms (%.2f);", way.name, ms, ms / reference);
        }
        std::printf(" %lld codes kept\n", static_cast<long long>(codes.entries()));
    }
    return 0;
}
