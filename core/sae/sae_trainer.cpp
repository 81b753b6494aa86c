#include "core/sae/sae_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

#include <ATen/ATen.h>

#include "core/sae/activation_rows.h"
#include "core/sae/sae_io.h"
#include "core/sae/sae_training_state_torch.h"
#include "core/store/atomic_file.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

using Clock = std::chrono::steady_clock;

// Reads the sampled runs of rows into x ([batch, d_in] fp32).
void gather_rows(const NpyFile& file, const std::vector<std::pair<int64_t, int64_t>>& runs,
                 at::Tensor& x) {
    float* out = x.data_ptr<float>();
    const int64_t d_in = x.size(1);
    for (const auto& [first, count] : runs) {
        copy_rows_as_float(file, first, count, out);
        out += count * d_in;
    }
}

// Up to `limit` rows spread over the training blocks, for the b_dec initialisation.
at::Tensor init_sample(const NpyFile& file, const BlockSampler& sampler, int64_t limit) {
    const auto& blocks = sampler.training_blocks();
    const int64_t d_in = file.header().shape[1];
    const int64_t stride =
        std::max<int64_t>(1, static_cast<int64_t>(blocks.size()) * sampler.block_rows() /
                                 std::max<int64_t>(limit, 1));
    std::vector<float> rows;
    std::vector<float> one(static_cast<size_t>(d_in));
    int64_t index = 0;
    int64_t taken = 0;
    for (const int64_t b : blocks) {
        for (int64_t r = 0; r < sampler.block_count(b) && taken < limit; ++r, ++index) {
            if (index % stride == 0) {
                copy_rows_as_float(file, sampler.block_first(b) + r, 1, one.data());
                rows.insert(rows.end(), one.begin(), one.end());
                ++taken;
            }
        }
    }
    return at::from_blob(rows.data(), {taken, d_in}, at::kFloat).clone();
}

// Weiszfeld's iteration for the point minimising the sum of distances to the rows.
at::Tensor geometric_median(const at::Tensor& rows) {
    const at::Tensor x = rows.to(at::kDouble);
    at::Tensor y = x.mean(0);
    for (int iter = 0; iter < 100; ++iter) {
        const at::Tensor w = 1.0 / (x - y).norm(2, 1).clamp_min(1e-8);
        const at::Tensor next = (w.unsqueeze(1) * x).sum(0) / w.sum();
        const double shift = (next - y).norm().item<double>();
        y = next;
        if (shift <= 1e-7 * std::max(1.0, y.norm().item<double>())) {
            break;
        }
    }
    return y.to(at::kFloat);
}

TrainingState initial_state(const NpyFile& file, const BlockSampler& sampler,
                            const SaeTrainingOptions& o, int64_t d_in, int64_t d_sae,
                            TrainingRng& rng) {
    TrainingState s;
    // Decoder rows: random unit vectors; encoder: their transpose (a tied start).
    std::vector<float> w(static_cast<size_t>(d_sae * d_in));
    for (float& v : w) {
        v = static_cast<float>(rng.normal());
    }
    s.params.w_dec = at::from_blob(w.data(), {d_sae, d_in}, at::kFloat).clone();
    normalize_decoder_rows(s.params.w_dec);
    s.params.w_enc = s.params.w_dec.t().contiguous();
    s.params.b_enc = at::zeros({d_sae}, at::kFloat);
    if (o.b_dec_init == DecoderBiasInit::Zero) {
        s.params.b_dec = at::zeros({d_in}, at::kFloat);
    } else {
        const at::Tensor sample = init_sample(file, sampler, 4096);
        s.params.b_dec = o.b_dec_init == DecoderBiasInit::Mean ? sample.mean(0).contiguous()
                                                               : geometric_median(sample);
    }
    s.adam = zero_moments(s.params);
    s.steps_since_fired = at::zeros({d_sae}, at::kLong);
    return s;
}

double lr_at(const SaeTrainingOptions& o, int64_t step) {
    double factor = 1.0;
    const int64_t warmup = o.resolved_lr_warmup();
    if (warmup > 0 && step < warmup) {
        factor = static_cast<double>(step + 1) / static_cast<double>(warmup);
    }
    const double decay_steps = o.lr_decay_fraction * static_cast<double>(o.steps);
    const double decay_start = static_cast<double>(o.steps) - decay_steps;
    if (decay_steps > 0.0 && static_cast<double>(step) >= decay_start) {
        factor *=
            std::max(0.0, (static_cast<double>(o.steps) - static_cast<double>(step)) / decay_steps);
    }
    return o.lr * factor;
}

double l1_at(const SaeTrainingOptions& o, int64_t step) {
    const int64_t warmup = o.resolved_l1_warmup();
    const double factor =
        warmup > 0 ? std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(warmup))
                   : 1.0;
    return o.l1_coefficient * factor;
}

// Latents silent for dead_window steps restart towards rows the SAE reconstructs worst: the
// decoder row becomes that row's residual direction, the encoder column the same direction at
// 0.2x the mean norm of live encoder columns, the bias 0, and their Adam moments 0.
void resample_dead(TrainingState& s, const StepResult& step, int64_t dead_window,
                   TrainingRng& rng) {
    const at::Tensor dead = s.steps_since_fired.ge(dead_window).nonzero().flatten();
    const int64_t count = dead.size(0);
    if (count == 0) {
        return;
    }
    const at::Tensor weights = step.row_error.to(at::kDouble).square();
    const at::Tensor cdf = weights.cumsum(0);
    const double total = cdf[-1].item<double>();
    if (!(total > 0.0)) {
        return;
    }
    const at::Tensor alive = s.steps_since_fired.lt(dead_window);
    const at::Tensor enc_norms = s.params.w_enc.norm(2, 0);
    const double live_norm =
        alive.any().item<bool>() ? enc_norms.masked_select(alive).mean().item<double>() : 1.0;
    const auto* cdf_data = cdf.data_ptr<double>();
    const int64_t rows = cdf.size(0);
    const int64_t* dead_ids = dead.data_ptr<int64_t>();
    for (int64_t i = 0; i < count; ++i) {
        const double target = rng.uniform() * total;
        const int64_t row = std::min<int64_t>(
            std::upper_bound(cdf_data, cdf_data + rows, target) - cdf_data, rows - 1);
        at::Tensor direction = step.residual[row];
        const double norm = direction.norm().item<double>();
        if (!(norm > 0.0)) {
            continue;
        }
        direction = direction / norm;
        const int64_t j = dead_ids[i];
        s.params.w_dec[j].copy_(direction);
        s.params.w_enc.select(1, j).copy_(direction * (0.2 * live_norm));
        s.params.b_enc[j] = 0.0;
        for (SaeParameters* moments : {&s.adam.m, &s.adam.v}) {
            moments->w_dec[j].zero_();
            moments->w_enc.select(1, j).zero_();
            moments->b_enc[j] = 0.0;
        }
        s.steps_since_fired[j] = 0;
    }
}

std::string log_line(int64_t step, const StepResult& r, double dead_fraction, double lr, double l1,
                     int64_t batch, int64_t d_in) {
    nlohmann::json j = {
        {"step", step},
        {"loss", r.loss},
        {"mse", r.squared_error / static_cast<double>(batch * d_in)},
        {"fvu", r.variance_sum > 0.0 ? r.squared_error / r.variance_sum : 0.0},
        {"l0", r.mean_l0},
        {"dead_fraction", dead_fraction},
        {"lr", lr},
        {"l1_coefficient", l1},
    };
    return j.dump();
}

struct HeldOut {
    int64_t rows = 0;
    double mse = 0.0;
    double fvu = 0.0;
    double l0 = 0.0;
};

Result<HeldOut> evaluate(const Sae& sae, const NpyFile& file, const BlockSampler& sampler,
                         const SaeTrainingOptions& o) {
    auto kernel = sae.make_kernel(o.eval_precision);
    if (!kernel) {
        return fail(kernel.error());
    }
    const int64_t d_in = sae.config().d_in;
    const int64_t d_sae = sae.config().d_sae;
    std::vector<double> sum(static_cast<size_t>(d_in), 0.0);
    std::vector<double> sum_sq(static_cast<size_t>(d_in), 0.0);
    double error = 0.0;
    int64_t active = 0;
    HeldOut h;
    std::vector<float> x;
    std::vector<float> codes;
    std::vector<float> x_hat;
    for (const int64_t b : sampler.heldout_blocks()) {
        const int64_t n = std::min(sampler.block_count(b), o.eval_rows - h.rows);
        if (n <= 0) {
            break;
        }
        x.resize(static_cast<size_t>(n * d_in));
        codes.resize(static_cast<size_t>(n * d_sae));
        x_hat.resize(x.size());
        copy_rows_as_float(file, sampler.block_first(b), n, x.data());
        if (auto ok = kernel->encode(x.data(), n, codes.data()); !ok) {
            return fail(ok.error());
        }
        if (auto ok = kernel->decode(codes.data(), n, x_hat.data()); !ok) {
            return fail(ok.error());
        }
        for (size_t i = 0; i < x.size(); ++i) {
            const double v = x[i];
            const double e = v - x_hat[i];
            error += e * e;
            sum[i % static_cast<size_t>(d_in)] += v;
            sum_sq[i % static_cast<size_t>(d_in)] += v * v;
        }
        for (const float c : codes) {
            active += c > 0.0f ? 1 : 0;
        }
        h.rows += n;
    }
    if (h.rows == 0) {
        return h;
    }
    double variance = 0.0;
    for (int64_t d = 0; d < d_in; ++d) {
        const auto i = static_cast<size_t>(d);
        variance += sum_sq[i] - sum[i] * sum[i] / static_cast<double>(h.rows);
    }
    h.mse = error / static_cast<double>(h.rows * d_in);
    h.fvu = variance > 0.0 ? error / variance : 0.0;
    h.l0 = static_cast<double>(active) / static_cast<double>(h.rows);
    return h;
}

std::vector<float> to_vector(const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void write_live_log(const std::filesystem::path& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::trunc);
    for (const auto& line : lines) {
        out << line << '\n';
    }
}

}  // namespace

Result<SaeTrainingReport> train_sae(const std::filesystem::path& activations,
                                    const std::filesystem::path& folder,
                                    const SaeTrainingOptions& o, bool resume,
                                    const std::string& hook_name, ProgressSink& progress,
                                    const CancelToken& cancel) {
    auto file = open_activation_file(activations);
    if (!file) {
        return fail(file.error());
    }
    const int64_t rows = file->header().shape[0];
    const int64_t d_in = file->header().shape[1];
    if (auto ok = validate(o, d_in); !ok) {
        return fail(ok.error());
    }
    if (rows < 2) {
        return fail(ErrorCode::InvalidArgument,
                    activations.string() + ": needs at least 2 rows to train on");
    }
    const int64_t d_sae = o.resolved_d_sae(d_in);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
        return fail(ErrorCode::Io, folder.string() + ": cannot create folder: " + ec.message());
    }
    const auto checkpoint = folder / kTrainingCheckpointFile;
    const auto live_log = folder / (std::string(kTrainingLogFile) + ".partial");
    const bool have_checkpoint = std::filesystem::exists(checkpoint, ec);
    if (have_checkpoint && !resume) {
        return fail(
            ErrorCode::InvalidArgument,
            checkpoint.string() +
                " holds an interrupted run: resume it (--resume) or delete it to start over");
    }
    const nlohmann::json fingerprint = o.fingerprint(d_in);

    return guard_exceptions("training the SAE", [&]() -> Result<SaeTrainingReport> {
        at::NoGradGuard no_grad;
        TrainingRng rng(o.seed);
        BlockSampler sampler(rows, o.sample_block_rows, o.holdout_period);
        TrainingState s;
        if (have_checkpoint) {
            if (auto ok = load_checkpoint(checkpoint, fingerprint, s, rng, sampler); !ok) {
                return fail(ok.error());
            }
        } else {
            s = initial_state(*file, sampler, o, d_in, d_sae, rng);
        }
        write_live_log(live_log, s.log_lines);
        std::ofstream log_out(live_log, std::ios::app);

        SaeTrainingReport report;
        report.d_in = d_in;
        report.d_sae = d_sae;
        report.first_step = s.step;
        report.steps = o.steps;
        const int64_t resample_every = o.resolved_resample_every();
        const int64_t dead_window = o.resolved_dead_window();
        const bool unit_norm = !o.l1_weighted_by_decoder_norm;
        StepSettings settings;
        settings.architecture = o.architecture;
        settings.k = o.k;
        settings.l1_weighted_by_decoder_norm = o.l1_weighted_by_decoder_norm;
        settings.onednn = o.onednn;
        at::Tensor x = at::empty({o.batch, d_in}, at::kFloat);

        progress.begin("training SAE " + hook_name, o.steps, "steps");
        progress.set_done(s.step);
        const auto start = Clock::now();
        while (s.step < o.steps) {
            if (cancel.is_cancelled()) {
                if (auto ok = save_checkpoint(checkpoint, s, rng, sampler, fingerprint); !ok) {
                    return fail(ok.error());
                }
                return fail(ErrorCode::Cancelled, "cancelled at step " + std::to_string(s.step) +
                                                      "; " + checkpoint.string() +
                                                      " keeps the run: resume it to continue");
            }
            gather_rows(*file, sampler.next_batch(o.batch, rng), x);
            const double lr = lr_at(o, s.step);
            settings.l1_coefficient = o.architecture == Activation::ReLU ? l1_at(o, s.step) : 0.0;
            StepResult r = sae_step_gradients(s.params, x, settings);
            if (unit_norm) {
                project_decoder_gradient(s.params.w_dec, r.grads.w_dec);
            }
            adam_update(s.params, r.grads, s.adam, lr, o.adam_beta1, o.adam_beta2, o.adam_eps);
            if (unit_norm) {
                normalize_decoder_rows(s.params.w_dec);
            }
            s.steps_since_fired.add_(1).masked_fill_(r.fired, 0);
            ++s.step;
            if (resample_every > 0 && s.step % resample_every == 0 && s.step * 4 <= o.steps * 3) {
                resample_dead(s, r, dead_window, rng);
            }
            if (s.step % o.log_every == 0 || s.step == o.steps) {
                const double dead =
                    s.steps_since_fired.ge(dead_window).to(at::kDouble).mean().item<double>();
                s.log_lines.push_back(
                    log_line(s.step, r, dead, lr, settings.l1_coefficient, o.batch, d_in));
                log_out << s.log_lines.back() << '\n' << std::flush;
                char note[160];
                std::snprintf(note, sizeof note, "step %lld: FVU %.4f, L0 %.1f, dead %.1f%%",
                              static_cast<long long>(s.step),
                              r.variance_sum > 0 ? r.squared_error / r.variance_sum : 0.0,
                              r.mean_l0, 100.0 * dead);
                progress.note(note);
            }
            progress.advance(1);
            if (o.checkpoint_every > 0 && s.step % o.checkpoint_every == 0 && s.step < o.steps) {
                if (auto ok = save_checkpoint(checkpoint, s, rng, sampler, fingerprint); !ok) {
                    return fail(ok.error());
                }
            }
        }
        report.train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const int64_t ran = o.steps - report.first_step;
        report.steps_per_second = report.train_seconds > 0 ? ran / report.train_seconds : 0.0;
        progress.finish();
        report.dead_fraction =
            s.steps_since_fired.ge(dead_window).to(at::kDouble).mean().item<double>();

        SaeConfig config;
        config.architecture = o.architecture;
        config.d_in = d_in;
        config.d_sae = d_sae;
        config.k = o.architecture == Activation::TopK ? o.k : 0;
        config.apply_b_dec_to_input = true;
        config.hook_name = hook_name;
        config.source_path = activations.string();
        SaeWeights weights;
        weights.w_enc = to_vector(s.params.w_enc);
        weights.w_dec = to_vector(s.params.w_dec);
        weights.b_enc = to_vector(s.params.b_enc);
        weights.b_dec = to_vector(s.params.b_dec);
        auto sae = Sae::create(config, std::move(weights), "the trained SAE");
        if (!sae) {
            return fail(sae.error());
        }
        auto heldout = evaluate(*sae, *file, sampler, o);
        if (!heldout) {
            return fail(heldout.error());
        }
        report.heldout_rows = heldout->rows;
        report.heldout_mse = heldout->mse;
        report.heldout_fvu = heldout->fvu;
        report.heldout_l0 = heldout->l0;
        sae->mutable_config().training = {
            {"recipe", fingerprint},
            {"activations", activations.string()},
            {"final",
             {{"heldout_rows", heldout->rows},
              {"heldout_mse", heldout->mse},
              {"heldout_fvu", heldout->fvu},
              {"heldout_l0", heldout->l0},
              {"dead_fraction", report.dead_fraction}}},
        };
        std::string log;
        for (const auto& line : s.log_lines) {
            log += line + "\n";
        }
        if (auto ok = write_file_atomic(folder / kTrainingLogFile, log); !ok) {
            return fail(ok.error());
        }
        if (auto ok = save_sae(folder, *sae); !ok) {
            return fail(ok.error());
        }
        log_out.close();
        std::filesystem::remove(live_log, ec);
        std::filesystem::remove(checkpoint, ec);
        return report;
    });
}

}  // namespace taxoscope::core
