#include "core/analysis/linear_probe.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "core/analysis/probe_objective_torch.h"
#include "core/analysis/seeded_shuffle.h"
#include "core/sae/activation_rows.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

// Up to `cap` of `rows`, chosen by seed, returned in ascending order (deterministic).
std::vector<int64_t> cap_rows(std::vector<int64_t> rows, int64_t cap, uint64_t seed) {
    if (static_cast<int64_t>(rows.size()) > cap) {
        seeded_shuffle(rows, seed);
        rows.resize(static_cast<size_t>(cap));
        std::sort(rows.begin(), rows.end());
    }
    return rows;
}

torch::Tensor gather_rows(const NpyFile& file, const std::vector<int64_t>& rows) {
    const int64_t d = file.header().shape[1];
    torch::Tensor out = torch::empty({static_cast<int64_t>(rows.size()), d}, torch::kFloat);
    float* data = out.data_ptr<float>();
    for (size_t i = 0; i < rows.size(); ++i) {
        copy_rows_as_float(file, rows[i], 1, data + static_cast<int64_t>(i) * d);
    }
    return out;
}

torch::Tensor gather_labels(const std::vector<int32_t>& labels, const std::vector<int64_t>& rows) {
    torch::Tensor out = torch::empty({static_cast<int64_t>(rows.size())}, torch::kLong);
    int64_t* data = out.data_ptr<int64_t>();
    for (size_t i = 0; i < rows.size(); ++i) {
        data[i] = labels[static_cast<size_t>(rows[i])];
    }
    return out;
}

}  // namespace

nlohmann::json ProbeRecipe::to_json() const {
    return {{"model", "multinomial logistic regression on standardised activations"},
            {"optimizer", "full-batch L-BFGS (strong Wolfe line search), zero initialisation"},
            {"max_iterations", max_iterations},
            {"history_size", history_size},
            {"weight_decay", weight_decay},
            {"max_train_rows", max_train_rows},
            {"max_test_rows", max_test_rows},
            {"heldout_fraction_without_split", heldout_fraction}};
}

RowSplit parse_row_split(const std::string& split) {
    if (split == "train") {
        return RowSplit::Train;
    }
    if (split == "test" || split == "val" || split == "validation") {
        return RowSplit::Heldout;
    }
    return RowSplit::None;
}

Result<ProbeResult> run_linear_probe(const NpyFile& activations, const std::vector<int32_t>& labels,
                                     const std::vector<RowSplit>& splits, int64_t classes,
                                     const ProbeRecipe& recipe, ProgressSink& progress,
                                     const CancelToken& cancel) {
    ProbeResult result;
    result.accuracy = std::numeric_limits<double>::quiet_NaN();
    std::vector<int64_t> train;
    std::vector<int64_t> test;
    std::vector<int64_t> labelled;
    for (size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0) {
            continue;
        }
        labelled.push_back(static_cast<int64_t>(i));
        if (splits[i] == RowSplit::Train) {
            train.push_back(static_cast<int64_t>(i));
        } else if (splits[i] == RowSplit::Heldout) {
            test.push_back(static_cast<int64_t>(i));
        }
    }
    if (train.empty() || test.empty()) {
        // No usable split in images.tsv: a seeded split of the labelled rows.
        result.split_from_table = false;
        seeded_shuffle(labelled, recipe.seed);
        const auto heldout = static_cast<size_t>(
            std::llround(recipe.heldout_fraction * static_cast<double>(labelled.size())));
        test.assign(labelled.begin(), labelled.begin() + static_cast<std::ptrdiff_t>(heldout));
        train.assign(labelled.begin() + static_cast<std::ptrdiff_t>(heldout), labelled.end());
        std::sort(train.begin(), train.end());
        std::sort(test.begin(), test.end());
    }
    train = cap_rows(std::move(train), recipe.max_train_rows, recipe.seed + 1);
    test = cap_rows(std::move(test), recipe.max_test_rows, recipe.seed + 2);
    result.train_rows = static_cast<int64_t>(train.size());
    result.test_rows = static_cast<int64_t>(test.size());
    if (classes < 2 || train.empty() || test.empty()) {
        result.note =
            "the linear probe needs at least two classes and labelled rows in both "
            "splits";
        return result;
    }
    // LibTorch's own default, set here so that the progress bar knows it: at most 1.25
    // evaluations of the objective per iteration.
    const int max_evaluations = recipe.max_iterations * 5 / 4;
    progress.begin("linear probe", max_evaluations, "evaluations");
    auto accuracy = guard_exceptions("linear probe", [&]() -> Result<double> {
        torch::NoGradGuard outer;
        torch::Tensor x = gather_rows(activations, train);
        const torch::Tensor y = gather_labels(labels, train);
        const torch::Tensor mean = x.mean(0, true);
        const torch::Tensor spread = (x - mean).pow(2).mean(0, true).sqrt().clamp_min(1e-6);
        x = (x - mean) / spread;
        const ProbeObjective objective(x, y, recipe.weight_decay);
        torch::Tensor w = torch::zeros({x.size(1), classes}, torch::kFloat).requires_grad_(true);
        torch::Tensor b = torch::zeros({classes}, torch::kFloat).requires_grad_(true);
        torch::optim::LBFGSOptions options(1.0);
        options.max_iter(recipe.max_iterations)
            .max_eval(max_evaluations)
            .history_size(recipe.history_size)
            .line_search_fn(std::string("strong_wolfe"));
        torch::optim::LBFGS optimizer({w, b}, options);
        // Thrown out of the closure: L-BFGS has no other way to stop before its last iteration.
        struct Cancelled {};
        auto closure = [&]() -> torch::Tensor {
            if (cancel.is_cancelled()) {
                throw Cancelled{};
            }
            torch::Tensor loss = objective.evaluate(w, b);
            progress.advance(1);
            return loss;
        };
        try {
            optimizer.step(closure);
        } catch (const Cancelled&) {
            return fail(cancel.cancelled_error("training the linear probe"));
        }
        const torch::Tensor xt = (gather_rows(activations, test) - mean) / spread;
        const torch::Tensor yt = gather_labels(labels, test);
        const torch::Tensor predicted = probe_logits(xt, w, b).argmax(1);
        return predicted.eq(yt).to(torch::kDouble).mean().item<double>();
    });
    progress.finish();
    if (!accuracy) {
        return fail(accuracy.error());
    }
    result.accuracy = *accuracy;
    return result;
}

}  // namespace taxoscope::core
