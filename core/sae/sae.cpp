#include "core/sae/sae.h"

#include <cmath>
#include <string>

namespace taxoscope::core {
namespace {

Result<void> check_tensor(const std::vector<float>& values, int64_t expected, const char* name,
                          const std::string& shape, const std::string& where) {
    if (static_cast<int64_t>(values.size()) != expected) {
        return fail(ErrorCode::ShapeMismatch, where + ": tensor '" + name + "' should hold " +
                                                  shape + " = " + std::to_string(expected) +
                                                  " values, got " + std::to_string(values.size()));
    }
    for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            return fail(ErrorCode::Parse,
                        where + ": tensor '" + name + "' holds " +
                            (std::isnan(values[i]) ? "NaN" : "an infinite value") +
                            " at flat index " + std::to_string(i));
        }
    }
    return {};
}

}  // namespace

Result<Sae> Sae::create(SaeConfig config, SaeWeights weights, const std::string& where) {
    const int64_t d_in = config.d_in;
    const int64_t d_sae = config.d_sae;
    if (d_in <= 0 || d_sae <= 0) {
        return fail(ErrorCode::ShapeMismatch, where + ": d_in and d_sae must be positive, got " +
                                                  std::to_string(d_in) + " and " +
                                                  std::to_string(d_sae));
    }
    const std::string in = std::to_string(d_in);
    const std::string sae = std::to_string(d_sae);
    for (const auto& check : {
             check_tensor(weights.w_enc, d_in * d_sae, "W_enc", "[" + in + ", " + sae + "]", where),
             check_tensor(weights.w_dec, d_sae * d_in, "W_dec", "[" + sae + ", " + in + "]", where),
             check_tensor(weights.b_enc, d_sae, "b_enc", "[" + sae + "]", where),
             check_tensor(weights.b_dec, d_in, "b_dec", "[" + in + "]", where),
         }) {
        if (!check) {
            return fail(check.error());
        }
    }
    if (config.architecture == Activation::JumpReLU) {
        if (weights.threshold.empty()) {
            return fail(ErrorCode::NotFound,
                        where + ": a JumpReLU SAE needs a 'threshold' tensor [" + sae + "]");
        }
        if (auto ok = check_tensor(weights.threshold, d_sae, "threshold", "[" + sae + "]", where);
            !ok) {
            return fail(ok.error());
        }
    } else {
        weights.threshold.clear();
    }
    if (config.architecture == Activation::TopK && (config.k <= 0 || config.k > d_sae)) {
        return fail(ErrorCode::InvalidArgument, where + ": a TopK SAE needs 0 < k <= d_sae (" +
                                                    sae + "), got k = " + std::to_string(config.k));
    }
    if (!(config.activation_scale > 0.0) || !std::isfinite(config.activation_scale)) {
        return fail(ErrorCode::InvalidArgument,
                    where + ": the activation scale must be a positive number, got " +
                        std::to_string(config.activation_scale));
    }
    return Sae(std::move(config), std::move(weights));
}

Result<SaeKernel> Sae::make_kernel(Precision precision, GemmBackend backend) const {
    KernelOptions options;
    options.precision = precision;
    options.backend = backend;
    return make_kernel(options);
}

Result<SaeKernel> Sae::make_kernel(const KernelOptions& compute) const {
    KernelOptions options = compute;
    options.activation = config_.architecture;
    options.k = config_.k;
    SaeWeightsView view;
    view.d_in = config_.d_in;
    view.d_sae = config_.d_sae;
    view.apply_b_dec_to_input = config_.apply_b_dec_to_input;
    view.threshold = weights_.threshold.empty() ? nullptr : weights_.threshold.data();
    const double s = config_.activation_scale;
    if (s == 1.0) {
        view.w_enc = weights_.w_enc.data();
        view.w_dec = weights_.w_dec.data();
        view.b_enc = weights_.b_enc.data();
        view.b_dec = weights_.b_dec.data();
        return SaeKernel::prepare(view, options);
    }
    // The SAE sees s·x: (s·x − b_dec)·W_enc = (x − b_dec/s)·(s·W_enc), and the reconstruction
    // (z·W_dec + b_dec)/s = z·(W_dec/s) + b_dec/s. prepare() copies, so temporaries suffice.
    std::vector<float> w_enc(weights_.w_enc);
    std::vector<float> w_dec(weights_.w_dec);
    std::vector<float> b_dec(weights_.b_dec);
    for (float& v : w_enc) {
        v = static_cast<float>(v * s);
    }
    for (float& v : w_dec) {
        v = static_cast<float>(v / s);
    }
    for (float& v : b_dec) {
        v = static_cast<float>(v / s);
    }
    view.w_enc = w_enc.data();
    view.w_dec = w_dec.data();
    view.b_enc = weights_.b_enc.data();
    view.b_dec = b_dec.data();
    return SaeKernel::prepare(view, options);
}

}  // namespace taxoscope::core
