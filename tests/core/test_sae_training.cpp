// core/sae trainer: hand-written gradients and Adam against LibTorch's autograd and optimiser;
// recovery of a planted dictionary (x = s·D, s sparse, D random unit rows) for ReLU + L1 and
// TopK; determinism for a seed; checkpoint + resume equal to an uninterrupted run.
#include <QtTest>

#include <QTemporaryDir>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/sae/sae_io.h"
#include "core/sae/sae_trainer.h"
#include "core/sae/sae_training_step_torch.h"
#include "core/store/npy_file.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDIn = 32;
constexpr int64_t kTrue = 48;
constexpr int64_t kRows = 16384;
constexpr double kActivePerRow = 3.0;

// x = s·D with D [48, 32] random unit rows and each feature active with probability 3/48 at a
// magnitude uniform in [0.5, 1.5]. Written as float32 .npy; returns D.
std::vector<float> write_planted(const fs::path& path, uint64_t seed) {
    std::mt19937_64 gen(seed);
    auto uniform = [&gen] { return static_cast<double>(gen() >> 11) * 0x1.0p-53; };
    auto normal = [&] {
        const double u1 = std::max(uniform(), 1e-300);
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * uniform());
    };
    std::vector<float> dict(kTrue * kDIn);
    for (int64_t f = 0; f < kTrue; ++f) {
        double norm = 0.0;
        for (int64_t d = 0; d < kDIn; ++d) {
            dict[f * kDIn + d] = static_cast<float>(normal());
            norm += dict[f * kDIn + d] * dict[f * kDIn + d];
        }
        for (int64_t d = 0; d < kDIn; ++d) {
            dict[f * kDIn + d] = static_cast<float>(dict[f * kDIn + d] / std::sqrt(norm));
        }
    }
    std::vector<float> x(kRows * kDIn, 0.0f);
    for (int64_t r = 0; r < kRows; ++r) {
        for (int64_t f = 0; f < kTrue; ++f) {
            if (uniform() < kActivePerRow / kTrue) {
                const double s = 0.5 + uniform();
                for (int64_t d = 0; d < kDIn; ++d) {
                    x[r * kDIn + d] += static_cast<float>(s * dict[f * kDIn + d]);
                }
            }
        }
    }
    const TensorView view{x.data(), DType::F32, {kRows, kDIn}};
    if (!write_npy(path, view)) {
        return {};
    }
    return dict;
}

// Fraction of planted directions with a decoder row at cosine >= 0.9.
double recovered_fraction(const std::vector<float>& dict, const Sae& sae) {
    const auto& w_dec = sae.weights().w_dec;
    const int64_t d_sae = sae.config().d_sae;
    int64_t found = 0;
    for (int64_t f = 0; f < kTrue; ++f) {
        double best = -1.0;
        for (int64_t j = 0; j < d_sae; ++j) {
            double dot = 0.0;
            double norm = 0.0;
            for (int64_t d = 0; d < kDIn; ++d) {
                dot += dict[f * kDIn + d] * w_dec[j * kDIn + d];
                norm += w_dec[j * kDIn + d] * w_dec[j * kDIn + d];
            }
            best = std::max(best, dot / std::sqrt(std::max(norm, 1e-30)));
        }
        found += best >= 0.9 ? 1 : 0;
    }
    return static_cast<double>(found) / kTrue;
}

std::vector<nlohmann::json> read_log(const fs::path& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    std::string line;
    while (std::getline(in, line)) {
        out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

SaeTrainingOptions small_options() {
    SaeTrainingOptions o;
    o.d_sae = 96;
    o.steps = 1000;
    o.batch = 256;
    o.lr = 5e-3;
    o.sample_block_rows = 8;
    o.log_every = 100;
    o.checkpoint_every = 0;
    o.seed = 7;
    return o;
}

SaeParameters random_parameters(int64_t d_in, int64_t d_sae, at::ScalarType type) {
    torch::manual_seed(3);
    SaeParameters p;
    p.w_enc = torch::randn({d_in, d_sae}, type) * 0.3;
    p.w_dec = torch::randn({d_sae, d_in}, type) * 0.3;
    p.b_enc = torch::randn({d_sae}, type) * 0.1;
    p.b_dec = torch::randn({d_in}, type) * 0.1;
    return p;
}

}  // namespace

class TestSaeTraining : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;
    fs::path data_;
    std::vector<float> dict_;
    NullProgress quiet_;

    Result<SaeTrainingReport> train(const fs::path& folder, const SaeTrainingOptions& o,
                                    bool resume = false, const CancelToken& cancel = {}) {
        return train_sae(data_, folder, o, resume, "synthetic", quiet_, cancel);
    }

    // Our gradients against autograd in float64 (BLAS products: exact to rounding), and the
    // oneDNN products in float32 against the same float64 reference.
    void check_gradients(StepSettings settings) {
        SaeParameters p = random_parameters(6, 10, torch::kDouble);
        const torch::Tensor x = torch::randn({9, 6}, torch::kDouble);
        settings.onednn = false;
        const StepResult ours = sae_step_gradients(p, x, settings);
        settings.onednn = true;
        const SaeParameters p32{p.w_enc.to(torch::kFloat), p.w_dec.to(torch::kFloat),
                                p.b_enc.to(torch::kFloat), p.b_dec.to(torch::kFloat)};
        const StepResult dnn = sae_step_gradients(p32, x.to(torch::kFloat), settings);
        std::vector<torch::Tensor> leaves = {
            p.w_enc.clone().requires_grad_(), p.w_dec.clone().requires_grad_(),
            p.b_enc.clone().requires_grad_(), p.b_dec.clone().requires_grad_()};
        const auto& [we, wd, be, bd] = std::tie(leaves[0], leaves[1], leaves[2], leaves[3]);
        const torch::Tensor pre = torch::addmm(be, x - bd, we);
        torch::Tensor z;
        if (settings.architecture == Activation::TopK) {
            auto [values, idx] = pre.topk(settings.k, 1);
            z = torch::zeros_like(pre).scatter(1, idx, values.relu());
        } else {
            z = pre.relu();
        }
        const torch::Tensor x_hat = torch::addmm(bd, z, wd);
        torch::Tensor loss = (x_hat - x).square().sum(1).mean();
        if (settings.architecture == Activation::ReLU) {
            const torch::Tensor weight = settings.l1_weighted_by_decoder_norm
                                             ? wd.norm(2, 1)
                                             : torch::ones({10}, torch::kDouble);
            loss = loss + settings.l1_coefficient * (z * weight).sum(1).mean();
        }
        loss.backward();
        QVERIFY(std::abs(loss.item<double>() - ours.loss) < 1e-10);
        const std::vector<std::pair<torch::Tensor, torch::Tensor>> pairs = {
            {ours.grads.w_enc, we.grad()},
            {ours.grads.w_dec, wd.grad()},
            {ours.grads.b_enc, be.grad()},
            {ours.grads.b_dec, bd.grad()}};
        const std::vector<torch::Tensor> dnn_grads = {dnn.grads.w_enc, dnn.grads.w_dec,
                                                      dnn.grads.b_enc, dnn.grads.b_dec};
        for (size_t i = 0; i < pairs.size(); ++i) {
            QVERIFY(torch::allclose(pairs[i].first, pairs[i].second, 1e-9, 1e-11));
            QVERIFY(torch::allclose(dnn_grads[i].to(torch::kDouble), pairs[i].second, 1e-4, 1e-5));
        }
    }

  private Q_SLOTS:
    void initTestCase() {
        // Shapes this small gain nothing from threads, and on a loaded 2-core machine thread
        // wake-ups would dominate (determinism holds per thread count either way).
        at::set_num_threads(1);
        QVERIFY(dir_.isValid());
        data_ = fs::path(dir_.path().toStdString()) / "planted.npy";
        dict_ = write_planted(data_, 11);
        QCOMPARE(dict_.size(), size_t{kTrue * kDIn});
    }

    void gradients_match_autograd() {
        StepSettings relu;
        relu.l1_coefficient = 0.7;
        check_gradients(relu);
        StepSettings weighted = relu;
        weighted.l1_weighted_by_decoder_norm = true;
        check_gradients(weighted);
        StepSettings topk;
        topk.architecture = Activation::TopK;
        topk.k = 3;
        check_gradients(topk);
    }

    void adam_matches_torch_optim() {
        SaeParameters ours = random_parameters(5, 7, torch::kFloat);
        std::vector<torch::Tensor> theirs = {
            ours.w_enc.clone().requires_grad_(), ours.w_dec.clone().requires_grad_(),
            ours.b_enc.clone().requires_grad_(), ours.b_dec.clone().requires_grad_()};
        torch::optim::Adam adam(theirs, torch::optim::AdamOptions(1e-2));
        AdamMoments moments = zero_moments(ours);
        for (int step = 0; step < 4; ++step) {
            SaeParameters grads = random_parameters(5, 7, torch::kFloat);
            grads.w_enc.mul_(step + 1);
            for (size_t i = 0; i < 4; ++i) {
                const torch::Tensor& g = i == 0   ? grads.w_enc
                                         : i == 1 ? grads.w_dec
                                         : i == 2 ? grads.b_enc
                                                  : grads.b_dec;
                theirs[i].mutable_grad() = g.clone();
            }
            adam.step();
            torch::NoGradGuard no_grad;
            adam_update(ours, grads, moments, 1e-2, 0.9, 0.999, 1e-8);
        }
        QVERIFY(torch::allclose(ours.w_enc, theirs[0].detach(), 1e-6, 1e-7));
        QVERIFY(torch::allclose(ours.w_dec, theirs[1].detach(), 1e-6, 1e-7));
        QVERIFY(torch::allclose(ours.b_dec, theirs[3].detach(), 1e-6, 1e-7));
    }

    void relu_l1_recovers_planted_dictionary() {
        const fs::path out = fs::path(dir_.path().toStdString()) / "relu";
        SaeTrainingOptions o = small_options();
        o.l1_coefficient = 0.5;
        auto report = train(out, o);
        QVERIFY2(report.has_value(), report ? "" : report.error().describe().c_str());
        auto sae = load_sae(out);
        QVERIFY(sae.has_value());
        const double recovered = recovered_fraction(dict_, *sae);
        qInfo("ReLU+L1: recovered %.3f, held-out FVU %.4f, L0 %.2f, dead %.3f", recovered,
              report->heldout_fvu, report->heldout_l0, report->dead_fraction);
        QVERIFY(recovered >= 0.9);
        const auto log = read_log(out / kTrainingLogFile);
        QCOMPARE(log.size(), size_t{10});
        QVERIFY(log.back()["fvu"].get<double>() < 0.5 * log.front()["fvu"].get<double>());
        QVERIFY(report->heldout_fvu < 0.2);
        QVERIFY(report->heldout_l0 > 0.5 * kActivePerRow &&
                report->heldout_l0 < 2.5 * kActivePerRow);
        QVERIFY(!fs::exists(out / kTrainingCheckpointFile));
        QCOMPARE(sae->config().training["final"]["heldout_fvu"].get<double>(), report->heldout_fvu);
    }

    void topk_recovers_planted_dictionary() {
        const fs::path out = fs::path(dir_.path().toStdString()) / "topk";
        SaeTrainingOptions o = small_options();
        o.architecture = Activation::TopK;
        o.k = 3;
        o.steps = 800;
        auto report = train(out, o);
        QVERIFY2(report.has_value(), report ? "" : report.error().describe().c_str());
        auto sae = load_sae(out);
        QVERIFY(sae.has_value());
        QCOMPARE(sae->config().k, int64_t{3});
        const double recovered = recovered_fraction(dict_, *sae);
        qInfo("TopK: recovered %.3f, held-out FVU %.4f, L0 %.2f", recovered, report->heldout_fvu,
              report->heldout_l0);
        QVERIFY(recovered >= 0.9);
        QVERIFY(report->heldout_l0 <= 3.0 && report->heldout_l0 > 2.0);
        const auto log = read_log(out / kTrainingLogFile);
        QVERIFY(log.back()["fvu"].get<double>() < 0.5 * log.front()["fvu"].get<double>());
    }

    void deterministic_for_a_seed() {
        const fs::path root = fs::path(dir_.path().toStdString());
        SaeTrainingOptions o = small_options();
        o.steps = 150;
        o.log_every = 25;
        QVERIFY(train(root / "det_a", o).has_value());
        QVERIFY(train(root / "det_b", o).has_value());
        o.seed = 8;
        QVERIFY(train(root / "det_c", o).has_value());
        QVERIFY(file_bytes(root / "det_a" / kSaeWeightsFile) ==
                file_bytes(root / "det_b" / kSaeWeightsFile));
        QVERIFY(file_bytes(root / "det_a" / kTrainingLogFile) ==
                file_bytes(root / "det_b" / kTrainingLogFile));
        QVERIFY(file_bytes(root / "det_a" / kSaeWeightsFile) !=
                file_bytes(root / "det_c" / kSaeWeightsFile));
    }

    void resume_equals_uninterrupted_run() {
        const fs::path root = fs::path(dir_.path().toStdString());
        SaeTrainingOptions o = small_options();
        o.steps = 240;
        o.log_every = 20;
        o.resample_every = 60;  // a resampling before and after the interruption
        o.dead_window = 10;
        o.checkpoint_every = 50;
        QVERIFY(train(root / "whole", o).has_value());

        CancelToken cancel;
        CallbackProgress stopper(
            [&cancel](const ProgressReport& r) {
                if (r.done >= 97) {
                    cancel.cancel();
                }
            },
            std::chrono::milliseconds(0));
        auto first = train_sae(data_, root / "split", o, false, "synthetic", stopper, cancel);
        QVERIFY(!first.has_value());
        QCOMPARE(first.error().code, ErrorCode::Cancelled);
        QVERIFY(fs::exists(root / "split" / kTrainingCheckpointFile));
        QVERIFY(!fs::exists(root / "split" / kSaeWeightsFile));

        // Without --resume the checkpoint is refused, not overwritten.
        auto refused = train(root / "split", o);
        QVERIFY(!refused.has_value());
        QVERIFY(refused.error().message.find("resume") != std::string::npos);
        // A different recipe cannot continue it.
        SaeTrainingOptions other = o;
        other.lr = 2e-3;
        auto mismatch = train(root / "split", other, true);
        QVERIFY(!mismatch.has_value());
        QVERIFY(mismatch.error().message.find("other settings") != std::string::npos);

        auto second = train(root / "split", o, true);
        QVERIFY2(second.has_value(), second ? "" : second.error().describe().c_str());
        QCOMPARE(second->first_step, int64_t{97});
        QVERIFY(file_bytes(root / "whole" / kSaeWeightsFile) ==
                file_bytes(root / "split" / kSaeWeightsFile));
        QVERIFY(file_bytes(root / "whole" / kTrainingLogFile) ==
                file_bytes(root / "split" / kTrainingLogFile));
        QVERIFY(!fs::exists(root / "split" / kTrainingCheckpointFile));
    }

    void bad_inputs_are_refused() {
        const fs::path root = fs::path(dir_.path().toStdString());
        SaeTrainingOptions o = small_options();
        o.architecture = Activation::TopK;
        o.k = 500;
        auto too_big_k = train(root / "bad", o);
        QVERIFY(!too_big_k.has_value());
        QCOMPARE(too_big_k.error().code, ErrorCode::InvalidArgument);
        std::vector<int32_t> ints(64, 1);
        QVERIFY(write_npy(root / "ints.npy", TensorView{ints.data(), DType::I32, {8, 8}}));
        auto wrong_type = train_sae(root / "ints.npy", root / "bad", small_options(), false, "x",
                                    quiet_, CancelToken());
        QVERIFY(!wrong_type.has_value());
        QVERIFY(wrong_type.error().message.find("ints.npy") != std::string::npos);
        auto missing = train_sae(root / "none.npy", root / "bad", small_options(), false, "x",
                                 quiet_, CancelToken());
        QVERIFY(!missing.has_value());
    }
};

QTEST_APPLESS_MAIN(TestSaeTraining)
#include "test_sae_training.moc"
