// core/compute: SAE encode/decode semantics, backend and precision agreement, the torch-device
// route against the CPU fast paths (on the CPU here, on CUDA where there is a device), device
// refusals, streaming top-k per feature (tie rule), precision parsing, and BLAS/CPU detection on
// the real process.
#include <QtTest>

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include <ATen/Parallel.h>

#include "core/compute/bf16_screen.h"
#include "core/compute/blas_library.h"
#include "core/compute/cpu_features.h"
#include "core/compute/feature_top_k.h"
#include "core/compute/gemm_probe.h"
#include "core/compute/precision.h"
#include "core/compute/sae_kernel.h"
#include "core/compute/sae_kernel_torch.h"
#include "core/compute/sparse_codes.h"

using namespace taxoscope::core;

namespace {

// A small random SAE in SAELens orientation; seeded so failures reproduce.
SaeTensors random_sae(int64_t d_in, int64_t d_sae, bool with_threshold = false) {
    torch::manual_seed(7);
    SaeTensors t;
    t.w_enc = torch::randn({d_in, d_sae}) / std::sqrt(static_cast<double>(d_in));
    t.b_enc = torch::randn({d_sae}) * 0.1;
    t.b_dec = torch::randn({d_in}) * 0.1;
    t.w_dec = torch::randn({d_sae, d_in}) / std::sqrt(static_cast<double>(d_sae));
    if (with_threshold) {
        t.threshold = torch::rand({d_sae}) * 0.5;
    }
    t.apply_b_dec_to_input = true;
    return t;
}

torch::Tensor reference_pre(const SaeTensors& t, const torch::Tensor& x) {
    const auto xd = x.to(torch::kDouble);
    return (xd - t.b_dec.to(torch::kDouble)).matmul(t.w_enc.to(torch::kDouble)) +
           t.b_enc.to(torch::kDouble);
}

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
    const auto g = got.to(torch::kDouble);
    const auto w = want.to(torch::kDouble);
    return ((g - w).norm() / w.norm().clamp_min(1e-30)).item<double>();
}

// A stream visitor that checks every block against the rows of `want`, in order, and counts
// the rows it saw in `seen`.
BlockVisitor codes_in_order(const torch::Tensor& want, int64_t& seen) {
    return [&want, &seen](const EncodedBlock& b) -> Result<void> {
        if (b.first_row != seen) {
            return fail(ErrorCode::Runtime, "blocks out of order");
        }
        const auto got = torch::from_blob(const_cast<float*>(b.codes), {b.rows, b.d_sae});
        if (relative_error(got, want.narrow(0, b.first_row, b.rows)) > 1e-5) {
            return fail(ErrorCode::Runtime, "wrong codes");
        }
        seen += b.rows;
        return {};
    };
}

KernelOptions options(Activation activation, GemmBackend backend,
                      Precision precision = Precision::F32, int64_t k = 0) {
    KernelOptions o;
    o.activation = activation;
    o.backend = backend;
    o.precision = precision;
    o.k = k;
    o.block_rows = 64;  // several blocks in every test, with a ragged last one
    return o;
}

torch::Tensor encoded(const SaeKernel& kernel, const torch::Tensor& x) {
    auto z = encode_block(kernel, x);
    if (!z) {
        qFatal("encode failed: %s", z.error().describe().c_str());
    }
    return *z;
}

// Through the host-pointer API, which every caller outside core/compute uses.
torch::Tensor encoded_via_pointers(const SaeKernel& kernel, const torch::Tensor& x) {
    const auto rows = x.contiguous();
    auto z = torch::empty({rows.size(0), kernel.d_sae()});
    if (!kernel.encode(rows.data_ptr<float>(), rows.size(0), z.data_ptr<float>())) {
        qFatal("encode failed");
    }
    return z;
}

torch::Tensor decoded(const SaeKernel& kernel, const torch::Tensor& codes) {
    const auto z = codes.contiguous();
    auto x = torch::empty({z.size(0), kernel.d_in()});
    if (auto done = kernel.decode(z.data_ptr<float>(), z.size(0), x.data_ptr<float>()); !done) {
        qFatal("decode failed: %s", done.error().describe().c_str());
    }
    return x;
}

KernelOptions on_device(Activation activation, const std::string& device,
                        Precision precision = Precision::F32) {
    KernelOptions o = options(activation, GemmBackend::TorchDevice, precision,
                              activation == Activation::TopK ? 6 : 0);
    o.device = device;
    return o;
}

KernelOptions on_cpu(Activation activation, GemmBackend backend,
                     Precision precision = Precision::F32) {
    return options(activation, backend, precision, activation == Activation::TopK ? 6 : 0);
}

const char* name_of(Activation activation) {
    return to_string(activation).data();  // the names are literals
}

// In low precision a pre-activation within rounding of a cut (JumpReLU's threshold, TopK's k-th
// value) may land on the other side: a jump of the cut's size that says nothing about the
// product. Such values are counted; the values active on both sides must agree.
struct Agreement {
    double same_support = 0.0;  // fraction of values active on both sides or on neither
    double error = 0.0;         // relative error over those values
};

Agreement agreement(const torch::Tensor& got, const torch::Tensor& want) {
    const auto same = got.ne(0).eq(want.ne(0));
    Agreement out;
    out.same_support = same.to(torch::kDouble).mean().item<double>();
    out.error = relative_error(got * same, want * same);
    return out;
}

// Top-k rows per feature of a whole [N, d_sae] matrix, through the streaming reducer.
FeatureTopKTable top_rows(const torch::Tensor& z, int64_t k) {
    FeatureTopK top(z.size(1), k);
    const auto c = z.contiguous();
    if (!top.add(EncodedBlock{0, c.size(0), c.size(1), c.data_ptr<float>()})) {
        qFatal("top-k reduction failed");
    }
    return top.table();
}

}  // namespace

class TestCompute : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void relu_matches_the_definition_on_both_backends() {
        const auto sae = random_sae(48, 200);
        const auto x = torch::randn({150, 48});
        const auto want = reference_pre(sae, x).clamp_min(0.0);
        for (const auto backend : {GemmBackend::Blas, GemmBackend::OneDnn}) {
            auto kernel = prepare_sae_kernel(sae, options(Activation::ReLU, backend));
            QVERIFY(kernel.has_value());
            QCOMPARE(kernel->backend(), backend);
            const auto z = encoded(*kernel, x);
            QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{150, 200}));
            QVERIFY2(relative_error(z, want) < 1e-5,
                     qPrintable(QString::number(relative_error(z, want))));
            QVERIFY(z.min().item<float>() >= 0.0f);
        }
    }

    void onednn_and_blas_fp32_agree_to_1e5_relative() {
        const auto sae = random_sae(256, 1024);
        const auto x = torch::randn({300, 256});
        auto blas = prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::Blas));
        auto onednn = prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::OneDnn));
        QVERIFY(blas && onednn);
        const double err = relative_error(encoded(*onednn, x), encoded(*blas, x));
        QVERIFY2(err < 1e-5, qPrintable(QString("relative error %1").arg(err)));
    }

    void jumprelu_passes_only_values_above_threshold() {
        const auto sae = random_sae(32, 64, /*with_threshold=*/true);
        const auto x = torch::randn({100, 32});
        auto kernel = prepare_sae_kernel(sae, options(Activation::JumpReLU, GemmBackend::Blas));
        QVERIFY(kernel.has_value());
        const auto pre = reference_pre(sae, x);
        const auto want = pre * pre.gt(sae.threshold.to(torch::kDouble)) * pre.gt(0);
        const auto z = encoded(*kernel, x);
        QVERIFY(relative_error(z, want) < 1e-5);
        // Some values were cut by the threshold, not just by zero.
        QVERIFY((pre.gt(0) & pre.le(sae.threshold.to(torch::kDouble))).any().item<bool>());
    }

    void topk_keeps_the_k_largest_per_row() {
        const auto sae = random_sae(32, 128);
        const auto x = torch::randn({70, 32});
        const int64_t k = 5;
        auto kernel = prepare_sae_kernel(
            sae, options(Activation::TopK, GemmBackend::Blas, Precision::F32, k));
        QVERIFY(kernel.has_value());
        const auto z = encoded(*kernel, x);
        const auto pre = reference_pre(sae, x).to(torch::kFloat);
        QVERIFY(z.ne(0).sum(1).le(k).all().item<bool>());
        const auto top = std::get<1>(pre.topk(k, 1));
        const auto want = torch::zeros_like(pre).scatter(1, top, pre.gather(1, top).clamp_min(0));
        QVERIFY(relative_error(z, want) < 1e-5);
    }

    void bf16_stays_within_its_error_bound_and_keeps_planted_top_k() {
        // bf16 keeps 8 mantissa bits: each input and weight is rounded by <= 2^-9 relative, so
        // a d_in = 256 dot product lands within ~1e-2 of fp32 in relative norm; we measure ~3e-3.
        const auto sae = random_sae(256, 512);
        auto x = torch::randn({400, 256});
        // Planted: feature f fires hugely on rows 10+f*7 .. 10+f*7+3 and nowhere else stands out.
        for (int64_t f = 0; f < 8; ++f) {
            const auto dir = sae.w_enc.index({torch::indexing::Slice(), f});
            for (int64_t r = 0; r < 4; ++r) {
                x[10 + f * 7 + r] += dir / dir.norm().pow(2) * (30.0 + static_cast<double>(r));
            }
        }
        auto f32 = prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::Auto));
        auto bf16 =
            prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::Auto, Precision::BF16));
        QVERIFY(f32 && bf16);
        QCOMPARE(bf16->precision(), Precision::BF16);
        const auto z32 = encoded(*f32, x);
        const auto z16 = encoded(*bf16, x);
        const double err = relative_error(z16, z32);
        QVERIFY2(err < 1e-2, qPrintable(QString("bf16 relative error %1").arg(err)));
        QVERIFY2(err > 1e-5, "bf16 result is bit-identical to fp32: bf16 path not taken");

        const auto t32 = top_rows(z32, 4);
        const auto t16 = top_rows(z16, 4);
        for (int64_t f = 0; f < 8; ++f) {
            std::vector<int64_t> a(t32.rows.begin() + f * 4, t32.rows.begin() + f * 4 + 4);
            std::vector<int64_t> b(t16.rows.begin() + f * 4, t16.rows.begin() + f * 4 + 4);
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            QCOMPARE(a, b);
            QCOMPARE(a.front(), 10 + f * 7);
        }
    }

    void decode_matches_the_definition() {
        const auto sae = random_sae(40, 96);
        auto kernel = prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::Blas));
        QVERIFY(kernel.has_value() && kernel->can_decode());
        const auto z = torch::relu(torch::randn({130, 96}));
        auto x_hat = decode_block(*kernel, z);
        QVERIFY(x_hat.has_value());
        const auto want = z.to(torch::kDouble).matmul(sae.w_dec.to(torch::kDouble)) +
                          sae.b_dec.to(torch::kDouble);
        QVERIFY(relative_error(*x_hat, want) < 1e-5);
    }

    void raw_pointer_api_matches_tensor_api() {
        auto sae = random_sae(24, 80);
        const auto w_enc = sae.w_enc.contiguous();
        const auto b_enc = sae.b_enc.contiguous();
        const auto b_dec = sae.b_dec.contiguous();
        SaeWeightsView view;
        view.d_in = 24;
        view.d_sae = 80;
        view.w_enc = w_enc.data_ptr<float>();
        view.b_enc = b_enc.data_ptr<float>();
        view.b_dec = b_dec.data_ptr<float>();
        view.apply_b_dec_to_input = true;
        auto kernel = SaeKernel::prepare(view, options(Activation::ReLU, GemmBackend::Auto));
        QVERIFY(kernel.has_value());
        QVERIFY(kernel->backend() != GemmBackend::Auto);
        QVERIFY(!kernel->can_decode());
        const auto x = torch::randn({90, 24});
        std::vector<float> codes(90 * 80);
        QVERIFY(kernel->encode(x.data_ptr<float>(), 90, codes.data()).has_value());
        const auto z = torch::from_blob(codes.data(), {90, 80});
        QVERIFY(relative_error(z, reference_pre(sae, x).clamp_min(0.0)) < 1e-5);
        QVERIFY(!kernel->decode(codes.data(), 90, codes.data()).has_value());
    }

    void bad_inputs_are_refused_with_clear_errors() {
        auto sae = random_sae(16, 32);
        auto topk0 = prepare_sae_kernel(sae, options(Activation::TopK, GemmBackend::Blas));
        QVERIFY(!topk0.has_value());
        QCOMPARE(topk0.error().code, ErrorCode::InvalidArgument);
        auto jump = prepare_sae_kernel(sae, options(Activation::JumpReLU, GemmBackend::Blas));
        QVERIFY(!jump.has_value());
        QVERIFY(jump.error().message.find("threshold") != std::string::npos);
        SaeTensors bad = sae;
        bad.b_enc = torch::zeros({31});
        auto shape = prepare_sae_kernel(bad, options(Activation::ReLU, GemmBackend::Blas));
        QVERIFY(!shape.has_value());
        QVERIFY(shape.error().message.find("b_enc") != std::string::npos);
        auto kernel = prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::Blas));
        QVERIFY(kernel.has_value());
        auto wrong_width = encode_block(*kernel, torch::zeros({4, 15}));
        QVERIFY(!wrong_width.has_value());
        QCOMPARE(wrong_width.error().code, ErrorCode::ShapeMismatch);
        QVERIFY(!SaeKernel::prepare(SaeWeightsView{}, KernelOptions{}).has_value());
    }

    void torch_device_route_on_the_cpu_matches_the_fast_paths() {
        // The CUDA code itself, run on the CPU: what it computes must be what BLAS and oneDNN
        // compute, for every activation, encode and decode, fp32 and bf16.
        const auto sae = random_sae(48, 160, /*with_threshold=*/true);
        const auto x = torch::randn({150, 48});
        const auto codes = torch::relu(torch::randn({130, 160}));
        for (const auto activation : {Activation::ReLU, Activation::TopK, Activation::JumpReLU}) {
            auto route = prepare_sae_kernel(sae, on_device(activation, "cpu"));
            QVERIFY2(route, route ? "" : route.error().message.c_str());
            QCOMPARE(route->backend(), GemmBackend::TorchDevice);
            QCOMPARE(QString::fromStdString(route->device()), QString("cpu"));
            const auto z = encoded_via_pointers(*route, x);
            QVERIFY(relative_error(encoded(*route, x), z) == 0.0);
            for (const auto backend : {GemmBackend::Blas, GemmBackend::OneDnn}) {
                auto fast = prepare_sae_kernel(sae, on_cpu(activation, backend));
                QVERIFY(fast.has_value());
                const double enc = relative_error(z, encoded(*fast, x));
                const double dec = relative_error(decoded(*route, codes), decoded(*fast, codes));
                QVERIFY2(enc < 1e-5 && dec < 1e-5,
                         qPrintable(QString("%1 vs %2: encode %3, decode %4")
                                        .arg(name_of(activation))
                                        .arg(to_string(backend).data())
                                        .arg(enc)
                                        .arg(dec)));
            }
            if (activation == Activation::TopK) {
                QVERIFY(z.ne(0).sum(1).le(6).all().item<bool>());
            }

            // bf16 against the CPU's bf16 (the same LibTorch bf16 GEMM, so far tighter than bf16
            // itself), and far enough from fp32 to show the bf16 product ran.
            auto route16 = prepare_sae_kernel(sae, on_device(activation, "cpu", Precision::BF16));
            auto blas16 =
                prepare_sae_kernel(sae, on_cpu(activation, GemmBackend::Blas, Precision::BF16));
            QVERIFY(route16 && blas16);
            const auto z16 = encoded_via_pointers(*route16, x);
            const double enc16 = relative_error(z16, encoded(*blas16, x));
            const double dec16 = relative_error(decoded(*route16, codes), decoded(*blas16, codes));
            QVERIFY2(enc16 < 1e-2 && dec16 < 1e-2,
                     qPrintable(QString("%1 bf16: encode %2, decode %3")
                                    .arg(name_of(activation))
                                    .arg(enc16)
                                    .arg(dec16)));
            QVERIFY2(relative_error(decoded(*route16, codes), decoded(*route, codes)) > 1e-5,
                     "bf16 decode is bit-identical to fp32: bf16 path not taken");
        }
    }

    void torch_device_route_streams_blocks_to_the_host() {
        const auto sae = random_sae(16, 48);
        auto kernel = prepare_sae_kernel(sae, on_device(Activation::ReLU, "cpu"));
        QVERIFY(kernel.has_value());
        const auto x = torch::randn({200, 16});
        const auto want = reference_pre(sae, x).clamp_min(0.0).to(torch::kFloat);
        int64_t seen = 0;
        NullProgress progress;
        CancelToken cancel;
        auto done = kernel->encode_stream(rows_in_memory(x.data_ptr<float>(), 200, 16),
                                          codes_in_order(want, seen), progress, cancel);
        QVERIFY2(done.has_value(), done ? "" : done.error().message.c_str());
        QCOMPARE(seen, int64_t{200});
    }

    void devices_that_cannot_be_had_are_refused_with_the_reason() {
        const auto sae = random_sae(16, 32);
        // Refused on every machine: a name that is no device, and an index nobody has.
        auto bad = prepare_sae_kernel(sae, on_device(Activation::ReLU, "tpu"));
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(bad.error().message.find("'tpu'") != std::string::npos,
                 bad.error().message.c_str());
        bad = prepare_sae_kernel(sae, on_device(Activation::ReLU, "cuda:x"));
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        bad = prepare_sae_kernel(sae, on_device(Activation::ReLU, "cuda:99"));
        QVERIFY(!bad.has_value());
        QVERIFY2(bad.error().message.find("'cuda:99'") != std::string::npos,
                 bad.error().message.c_str());
        // f16 is CUDA-only, whichever CPU route is asked for.
        for (const auto backend :
             {GemmBackend::Auto, GemmBackend::Blas, GemmBackend::TorchDevice}) {
            KernelOptions o = on_cpu(Activation::ReLU, backend, Precision::F16);
            auto f16 = prepare_sae_kernel(sae, o);
            QVERIFY(!f16.has_value());
            QCOMPARE(f16.error().code, ErrorCode::Unsupported);
            QVERIFY2(f16.error().message.find("f16") != std::string::npos &&
                         f16.error().message.find("CUDA") != std::string::npos,
                     f16.error().message.c_str());
        }

        if (torch::cuda::is_available()) {
            // The CPU-only paths refuse a CUDA device instead of silently running on the CPU.
            KernelOptions o = on_cpu(Activation::ReLU, GemmBackend::OneDnn);
            o.device = "cuda";
            auto onednn = prepare_sae_kernel(sae, o);
            QVERIFY(!onednn.has_value());
            QCOMPARE(onednn.error().code, ErrorCode::InvalidArgument);
            QCOMPARE(bad.error().code, ErrorCode::NotFound);
            QSKIP("this LibTorch has a CUDA device: the no-CUDA refusal cannot be seen here");
        }
        QCOMPARE(bad.error().code, ErrorCode::Unsupported);
        for (const std::string device : {"cuda", "cuda:0", "cuda:1"}) {
            auto cuda = prepare_sae_kernel(sae, on_device(Activation::ReLU, device));
            QVERIFY(!cuda.has_value());
            QCOMPARE(cuda.error().code, ErrorCode::Unsupported);
            const std::string& m = cuda.error().message;
#ifdef TAXOSCOPE_WITH_CUDA
            const char* why = "sees no CUDA device";
#else
            const char* why = "built without CUDA";
#endif
            QVERIFY2(
                m.find("'" + device + "'") != std::string::npos && m.find(why) != std::string::npos,
                m.c_str());
        }
        // auto falls back to the CPU rather than failing.
        auto fallback = prepare_sae_kernel(sae, on_device(Activation::ReLU, "auto"));
        QVERIFY(fallback.has_value());
        QCOMPARE(QString::fromStdString(fallback->device()), QString("cpu"));
    }

    void cuda_route_matches_the_cpu_kernel() {
        if (!torch::cuda::is_available()) {
            QSKIP("no CUDA device in this LibTorch or machine: the CUDA route is not run here");
        }
        const auto sae = random_sae(256, 1024, /*with_threshold=*/true);
        const auto x = torch::randn({700, 256});
        const auto codes = torch::relu(torch::randn({300, 1024}));
        struct Case {
            Precision precision;
            double tolerance;
        };
        for (const auto activation : {Activation::ReLU, Activation::TopK, Activation::JumpReLU}) {
            auto cpu = prepare_sae_kernel(sae, on_cpu(activation, GemmBackend::Blas));
            QVERIFY(cpu.has_value());
            const auto want = encoded(*cpu, x);
            const auto want_x = decoded(*cpu, codes);
            for (const Case c : {Case{Precision::F32, 1e-5}, Case{Precision::BF16, 1e-2},
                                 Case{Precision::F16, 1e-2}}) {
                const QString what = QString("%1 %2 on cuda")
                                         .arg(name_of(activation))
                                         .arg(to_string(c.precision).data());
                auto cuda = prepare_sae_kernel(sae, on_device(activation, "cuda", c.precision));
                QVERIFY2(cuda,
                         qPrintable(what + ": " +
                                    QString::fromStdString(cuda ? "" : cuda.error().message)));
                QCOMPARE(cuda->backend(), GemmBackend::TorchDevice);
                QCOMPARE(QString::fromStdString(cuda->device()), QString("cuda:0"));
                const auto z = encoded_via_pointers(*cuda, x);
                if (c.precision != Precision::F32) {
                    const Agreement a = agreement(z, want);
                    QVERIFY2(a.same_support > 0.99 && a.error < c.tolerance,
                             qPrintable(what + QString(": %1 of the values agree on being "
                                                       "active, error %2")
                                                   .arg(a.same_support)
                                                   .arg(a.error)));
                } else {
                    const double err = relative_error(z, want);
                    QVERIFY2(err < c.tolerance,
                             qPrintable(what + ": encode " + QString::number(err)));
                }
                const double dec = relative_error(decoded(*cuda, codes), want_x);
                QVERIFY2(dec < c.tolerance, qPrintable(what + ": decode " + QString::number(dec)));
                // Tensors on the device go in and fp32 host codes come out.
                auto from_device = encode_block(*cuda, x.to(torch::kCUDA));
                QVERIFY(from_device.has_value());
                QVERIFY(from_device->device().is_cpu());
                QVERIFY(relative_error(*from_device, z) == 0.0);
            }
        }
    }

    void streaming_top_k_matches_a_full_sort_with_ties_by_lower_row() {
        // Values drawn from a handful of levels, so ties are everywhere.
        const int64_t rows = 500, features = 40, k = 6;
        torch::manual_seed(3);
        const auto z = torch::randint(0, 5, {rows, features}).to(torch::kFloat);
        FeatureTopK top(features, k);
        for (int64_t first = 0; first < rows; first += 64) {
            const int64_t count = std::min<int64_t>(64, rows - first);
            const auto block = z.narrow(0, first, count).contiguous();
            QVERIFY(top.add(EncodedBlock{first, count, features, block.data_ptr<float>()}));
        }
        const auto table = top.table();
        for (int64_t j = 0; j < features; ++j) {
            std::vector<std::pair<float, int64_t>> all;
            for (int64_t i = 0; i < rows; ++i) {
                const float v = z[i][j].item<float>();
                if (v > 0.0f) {
                    all.emplace_back(-v, i);  // sort: value descending, then row ascending
                }
            }
            std::sort(all.begin(), all.end());
            QCOMPARE(table.filled[j], std::min<int64_t>(k, static_cast<int64_t>(all.size())));
            for (int64_t s = 0; s < table.filled[j]; ++s) {
                QCOMPARE(table.rows[j * k + s], all[s].second);
                QCOMPARE(table.values[j * k + s], -all[s].first);
            }
        }
        // Out of order blocks are a caller bug the reducer refuses.
        const float one = 1.0f;
        std::vector<float> block(features, one);
        QVERIFY(!top.add(EncodedBlock{0, 1, features, block.data()}).has_value());
    }

    void sparse_codes_hold_exactly_the_non_zero_codes() {
        // Rows wider than the gather's 16-code chunks, with a ragged tail and empty rows.
        const int64_t rows = 70, features = 53;
        torch::manual_seed(5);
        auto z = torch::rand({rows, features});
        z = torch::where(z > 0.9, z, torch::zeros_like(z));
        z[3].zero_();
        z[4][52] = -0.25f;  // negative codes are kept: the gather is about non-zero, not firing
        z = z.contiguous();
        SparseCodes codes;
        codes.feature.assign(1000, 7);  // stale storage from an earlier block must not leak
        gather_nonzero_codes(EncodedBlock{100, rows, features, z.data_ptr<float>()}, codes);
        QCOMPARE(codes.first_row, int64_t{100});
        QCOMPARE(codes.rows, rows);
        QCOMPARE(codes.entries(), (z != 0).sum().item<int64_t>());
        for (int64_t i = 0; i < rows; ++i) {
            std::vector<std::pair<int32_t, float>> expect;
            for (int64_t j = 0; j < features; ++j) {
                if (z[i][j].item<float>() != 0.0f) {
                    expect.emplace_back(static_cast<int32_t>(j), z[i][j].item<float>());
                }
            }
            const int64_t e0 = codes.row_start[static_cast<size_t>(i)];
            QCOMPARE(codes.row_start[static_cast<size_t>(i) + 1] - e0,
                     static_cast<int64_t>(expect.size()));
            for (size_t e = 0; e < expect.size(); ++e) {
                QCOMPARE(codes.feature[static_cast<size_t>(e0) + e], expect[e].first);
                QCOMPARE(codes.value[static_cast<size_t>(e0) + e], expect[e].second);
            }
            for (int64_t j : {int64_t{0}, int64_t{17}, features}) {
                int64_t first = e0 + static_cast<int64_t>(expect.size());
                for (size_t e = 0; e < expect.size(); ++e) {
                    if (expect[e].first >= j) {
                        first = e0 + static_cast<int64_t>(e);
                        break;
                    }
                }
                QCOMPARE(codes.lower_bound(i, j), first);
            }
        }
    }

    // A stream asked for sparse codes hands over exactly the non-zero codes of the dense
    // stream, on every route; collected by the epilogue (ReLU, JumpReLU on the CPU routes) it
    // writes no dense block unless asked for one too.
    void sparse_stream_output_equals_the_non_zero_dense_codes() {
        // d_sae 200 is seven 32-feature tiles (the transposed epilogue's parts split them between
        // the threads, the last one ragged); 150 rows make a ragged last block of 22.
        const int64_t n = 150, d_in = 24, d_sae = 200;
        const auto sae = random_sae(d_in, d_sae, /*with_threshold=*/true);
        const auto x = torch::randn({n, d_in}).contiguous();
        const int threads = at::get_num_threads();
        at::set_num_threads(2);
        NullProgress progress;
        const CancelToken cancel;
        for (Activation act : {Activation::ReLU, Activation::JumpReLU, Activation::TopK}) {
            for (GemmBackend backend :
                 {GemmBackend::Blas, GemmBackend::OneDnn, GemmBackend::TorchDevice}) {
                for (Precision precision : {Precision::F32, Precision::BF16}) {
                    KernelOptions o = backend == GemmBackend::TorchDevice
                                          ? on_device(act, "cpu", precision)
                                          : on_cpu(act, backend, precision);
                    // Bit-equal codes are this route's promise; the bf16 screen's fp32 dot
                    // products are checked against exact arithmetic in their own test.
                    o.bf16_screen = Bf16Screen::Off;
                    auto kernel = prepare_sae_kernel(sae, o);
                    QVERIFY2(kernel.has_value(), kernel ? "" : kernel.error().message.c_str());
                    const QString where =
                        QString("%1 on %2, %3")
                            .arg(name_of(act))
                            .arg(QString::fromStdString(std::string(to_string(backend))))
                            .arg(QString::fromStdString(std::string(to_string(precision))));
                    auto dense = torch::zeros({n, d_sae});
                    auto keep = [&](const EncodedBlock& b) -> Result<void> {
                        dense.narrow(0, b.first_row, b.rows)
                            .copy_(torch::from_blob(const_cast<float*>(b.codes), {b.rows, d_sae}));
                        return {};
                    };
                    QVERIFY(kernel
                                ->encode_stream(rows_in_memory(x.data_ptr<float>(), n, d_in), keep,
                                                progress, cancel)
                                .has_value());
                    QVERIFY2((dense != 0).any().item<bool>(), qPrintable(where));
                    const bool collected =
                        backend != GemmBackend::TorchDevice && act != Activation::TopK;
                    for (bool with_dense : {true, false}) {
                        StreamOutput output;
                        output.dense = with_dense;
                        output.sparse = true;
                        int64_t seen = 0;
                        bool all_equal = true;
                        bool dense_as_promised = true;
                        auto check = [&](const EncodedBlock& b) -> Result<void> {
                            const auto want_rows =
                                dense.narrow(0, b.first_row, b.rows).contiguous();
                            SparseCodes want;
                            gather_nonzero_codes(EncodedBlock{b.first_row, b.rows, d_sae,
                                                              want_rows.data_ptr<float>()},
                                                 want);
                            const SparseCodes& got = *b.sparse;
                            all_equal = all_equal && got.first_row == want.first_row &&
                                        got.rows == want.rows && got.d_sae == want.d_sae &&
                                        got.row_start == want.row_start &&
                                        got.feature == want.feature && got.value == want.value;
                            if (with_dense || !collected) {
                                dense_as_promised =
                                    dense_as_promised && b.codes != nullptr &&
                                    torch::equal(torch::from_blob(const_cast<float*>(b.codes),
                                                                  {b.rows, d_sae}),
                                                 want_rows);
                            } else {
                                dense_as_promised = dense_as_promised && b.codes == nullptr;
                            }
                            seen += b.rows;
                            return {};
                        };
                        QVERIFY(kernel
                                    ->encode_stream(rows_in_memory(x.data_ptr<float>(), n, d_in),
                                                    check, progress, cancel, output)
                                    .has_value());
                        QCOMPARE(seen, n);
                        QVERIFY2(all_equal, qPrintable(where));
                        QVERIFY2(dense_as_promised, qPrintable(where));
                    }
                }
            }
        }
        at::set_num_threads(threads);
    }

    void bf16_rounding_is_to_nearest_even_with_subnormals_flushed() {
        using taxoscope::core::detail::to_bf16_bits;
        torch::manual_seed(5);
        const auto values = (torch::randn({4096}) * torch::logspace(-30, 30, 4096)).contiguous();
        for (int64_t i = 0; i < values.size(0); ++i) {
            const float v = values[i].item<float>();
            QCOMPARE(to_bf16_bits(v), c10::BFloat16(v).x);
        }
        // Halfway cases go to the even neighbour: 1 + 2^-8 lies between 1 and 1 + 2^-7.
        QCOMPARE(to_bf16_bits(1.0f + std::ldexp(1.0f, -8)), uint16_t{0x3f80});
        QCOMPARE(to_bf16_bits(1.0f + 3 * std::ldexp(1.0f, -8)), uint16_t{0x3f82});
        QCOMPARE(to_bf16_bits(1e-40f), uint16_t{0x0000});
        QCOMPARE(to_bf16_bits(-1e-40f), uint16_t{0x8000});
        QCOMPARE(to_bf16_bits(std::numeric_limits<float>::infinity()), uint16_t{0x7f80});
        QCOMPARE(to_bf16_bits(std::numeric_limits<float>::max()), uint16_t{0x7f80});
        const uint16_t nan = to_bf16_bits(std::numeric_limits<float>::quiet_NaN());
        QVERIFY((nan & 0x7f80) == 0x7f80 && (nan & 0x007f) != 0);
    }

    // The screen may leave out only codes that fp32 leaves at 0: against exact (double)
    // arithmetic, every code clear of its cut by more than fp32's rounding is there with its
    // fp32 value, and none clearly under it. Features span four decades of scale, rows two,
    // with an empty row, a row along a feature, empty features, a row too large for bf16, and
    // rows holding inf and NaN (which must come out as the fp32 route gives them). At ~5 % firing
    // the screen runs throughout; at 50 % it gives up after the first block and the fp32 product
    // takes over.
    void bf16_screen_keeps_exactly_the_codes_fp32_fires() {
        const auto cpu = detect_cpu_features();
        const Bf16ScreenSupport support = bf16_screen_support();
        QCOMPARE(support == Bf16ScreenSupport::ByDefault, cpu.amx_bf16);
        QCOMPARE(support != Bf16ScreenSupport::None, cpu.avx512_bf16 || cpu.amx_bf16);
        if (support == Bf16ScreenSupport::None) {
            QSKIP("this CPU has no bf16 units, so the kernel never screens");
        }
        const int64_t n = 700, d_in = 200, d_sae = 300;
        NullProgress progress;
        const CancelToken cancel;
        for (Activation act : {Activation::ReLU, Activation::JumpReLU}) {
            for (double shift : {-3.0, 0.0}) {
                SaeTensors t = random_sae(d_in, d_sae, act == Activation::JumpReLU);
                torch::manual_seed(11);
                t.w_enc = (t.w_enc * torch::logspace(-2, 2, d_sae)).contiguous();
                t.w_enc.select(1, 5).zero_();
                t.w_enc.select(1, 6).zero_();
                t.w_enc[2].mul_(1e-3);
                const auto w_norm = t.w_enc.norm(2, 0);
                t.b_enc = (t.b_enc * w_norm + shift * w_norm).contiguous();
                t.b_enc[5] = 0.75;
                t.b_enc[6] = -0.75;
                auto x = torch::randn({n, d_in}) * torch::logspace(-1, 1, n).unsqueeze(1);
                x[3].zero_();
                x[4].copy_(t.w_enc.select(1, 7) * 3.0 + t.b_dec);
                x[20][0] = std::numeric_limits<float>::infinity();
                x[21][1] = std::numeric_limits<float>::quiet_NaN();
                // Finite in fp32 but past bf16's largest value: its bf16 product is inf or NaN,
                // yet its fp32 codes are finite (input 2's weights are small for that).
                x[22][2] = 0.9995f * std::numeric_limits<float>::max();
                x = x.contiguous();

                auto stream = [&](Bf16Screen screen, bool& screened) {
                    KernelOptions o = on_cpu(act, GemmBackend::OneDnn);
                    o.bf16_screen = screen;
                    auto kernel = prepare_sae_kernel(t, o);
                    if (!kernel) {
                        qFatal("prepare failed: %s", kernel.error().describe().c_str());
                    }
                    screened = kernel->screens_with_bf16();
                    auto codes = torch::zeros({n, d_sae});
                    StreamOutput output;
                    output.dense = false;
                    output.sparse = true;
                    auto keep = [&](const EncodedBlock& b) -> Result<void> {
                        const SparseCodes& c = *b.sparse;
                        for (int64_t i = 0; i < c.rows; ++i) {
                            for (int64_t e = c.row_start[static_cast<size_t>(i)];
                                 e < c.row_start[static_cast<size_t>(i) + 1]; ++e) {
                                codes[c.first_row + i][c.feature[static_cast<size_t>(e)]] =
                                    c.value[static_cast<size_t>(e)];
                            }
                        }
                        return {};
                    };
                    if (!kernel->encode_stream(rows_in_memory(x.data_ptr<float>(), n, d_in), keep,
                                               progress, cancel, output)) {
                        qFatal("stream failed");
                    }
                    return codes;
                };
                bool screened = false;
                bool plain_screened = true;
                const auto got = stream(Bf16Screen::On, screened);
                const auto plain = stream(Bf16Screen::Off, plain_screened);
                QVERIFY(screened);
                QVERIFY(!plain_screened);

                const auto finite_rows = torch::ones({n}, torch::kBool);
                finite_rows[20] = false;
                finite_rows[21] = false;
                const auto cut = act == Activation::JumpReLU
                                     ? t.threshold.to(torch::kDouble).clamp_min(0.0)
                                     : torch::zeros({d_sae}, torch::kDouble);
                const auto margin = reference_pre(t, x) - cut;
                const auto scale =
                    (x.to(torch::kDouble) - t.b_dec.to(torch::kDouble)).norm(2, 1).unsqueeze(1) *
                    w_norm.to(torch::kDouble).unsqueeze(0);
                const auto tol = scale * 1e-5 + 1e-30;
                const auto present = got.ne(0) & finite_rows.unsqueeze(1);
                const auto must = (margin > tol) & finite_rows.unsqueeze(1);
                const auto may = margin > -tol;
                const QString where = QString("%1, bias shift %2").arg(name_of(act)).arg(shift);
                QVERIFY2((must & present.logical_not()).sum().item<int64_t>() == 0,
                         qPrintable(where + ": a code fp32 fires was screened out"));
                QVERIFY2((present & may.logical_not()).sum().item<int64_t>() == 0,
                         qPrintable(where + ": a code under its cut came out"));
                const auto value_error =
                    torch::where(present, (got.to(torch::kDouble) - (margin + cut)).abs() - tol,
                                 torch::zeros_like(tol));
                QVERIFY2(value_error.max().item<double>() <= 0.0,
                         qPrintable(where + ": a code's value is not its fp32 dot product"));
                const double firing = present.to(torch::kDouble).mean().item<double>();
                QVERIFY2(shift < 0 ? firing > 0.005 && firing < 0.1 : firing > 0.3,
                         qPrintable(where + QString(": firing %1").arg(firing)));
                // Rows with inf or NaN: the codes the fp32 route gives them.
                for (int64_t row : {20, 21}) {
                    QVERIFY2(torch::equal(got[row], plain[row]), qPrintable(where));
                }
            }
        }
    }

    void top_k_keeps_only_firing_rows() {
        FeatureTopK top(2, 4);
        const std::vector<float> z{0.0f, 2.0f, -1.0f, 0.0f, 0.0f, 1.0f};  // 3 rows x 2 features
        QVERIFY(top.add(EncodedBlock{0, 3, 2, z.data()}).has_value());
        const auto table = top.table();
        QCOMPARE(table.filled[0], int64_t{0});
        QCOMPARE(table.filled[1], int64_t{2});
        QCOMPARE(table.rows[4], int64_t{0});
        QCOMPARE(table.rows[5], int64_t{2});
        QCOMPARE(table.rows[6], int64_t{-1});
    }

    void encode_stream_visits_every_row_once_and_honours_cancel() {
        const auto sae = random_sae(16, 48);
        auto kernel = prepare_sae_kernel(sae, options(Activation::ReLU, GemmBackend::Blas));
        QVERIFY(kernel.has_value());
        const auto x = torch::randn({200, 16});
        const auto want = reference_pre(sae, x).clamp_min(0.0).to(torch::kFloat);
        int64_t seen = 0;
        NullProgress progress;
        CancelToken cancel;
        auto done = kernel->encode_stream(rows_in_memory(x.data_ptr<float>(), 200, 16),
                                          codes_in_order(want, seen), progress, cancel);
        QVERIFY2(done.has_value(), done ? "" : done.error().message.c_str());
        QCOMPARE(seen, int64_t{200});
        cancel.cancel();
        auto cancelled = kernel->encode_stream(
            rows_in_memory(x.data_ptr<float>(), 200, 16),
            [](const EncodedBlock&) -> Result<void> { return {}; }, progress, cancel);
        QVERIFY(!cancelled.has_value());
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
    }

    void block_rule_keeps_a_block_output_within_its_cache_budget() {
        QCOMPARE(encode_block_rows(12288), int64_t{64});
        QCOMPARE(encode_block_rows(4096), int64_t{128});
        QCOMPARE(encode_block_rows(512), int64_t{1024});
        QCOMPARE(encode_block_rows(12288, Precision::BF16), int64_t{256});
        QCOMPARE(encode_block_rows(4096, Precision::BF16), int64_t{1024});
        QCOMPARE(encode_block_rows(1 << 20), int64_t{64});
        for (int64_t d : {1000, 6144, 12288, 24576, 49152}) {
            QVERIFY(encode_block_rows(d) * d * 4 <= (int64_t{2} << 20) ||
                    encode_block_rows(d) == 64);
            QVERIFY(encode_block_rows(d, Precision::BF16) * d * 4 <= (int64_t{16} << 20) ||
                    encode_block_rows(d, Precision::BF16) == 64);
        }
    }

    void precision_names_parse() {
        QCOMPARE(*parse_precision("f32"), Precision::F32);
        QCOMPARE(*parse_precision("bf16"), Precision::BF16);
        QCOMPARE(*parse_precision("f16"), Precision::F16);
        QCOMPARE(*parse_precision("fp16"), Precision::F16);
        QVERIFY(!parse_precision("fp8").has_value());
        QCOMPARE(QString::fromUtf8(to_string(Precision::BF16).data()), QString("bf16"));
        QCOMPARE(QString::fromUtf8(to_string(Precision::F16).data()), QString("f16"));
    }

    void loaded_blas_is_the_library_libtorch_calls() {
        // This test links LibTorch, which needs libblas.so.3: whatever the alternatives select.
        const BlasLibrary blas = loaded_blas();
        QVERIFY(blas.kind != BlasKind::NotFound);
        QVERIFY(std::filesystem::exists(blas.path));
        const std::string selected =
            std::filesystem::canonical("/usr/lib/x86_64-linux-gnu/libblas.so.3").string();
        QCOMPARE(QString::fromStdString(blas.path), QString::fromStdString(selected));
        QCOMPARE(blas.kind, classify_blas_path(selected));
        if (blas.kind == BlasKind::OpenBlas) {
            QVERIFY(blas.detail.find("OpenBLAS") != std::string::npos);
        }
    }

    void reference_blas_is_recognised_when_loaded() {
        const char* netlib = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
        if (!std::filesystem::exists(netlib)) {
            QSKIP("netlib reference BLAS (libblas3) not installed");
        }
        void* handle = dlopen(netlib, RTLD_NOW | RTLD_LOCAL);
        QVERIFY(handle != nullptr);
        const BlasLibrary blas = identify_blas(dlsym(handle, "sgemm_"));
        QCOMPARE(blas.kind, BlasKind::Reference);
        QVERIFY(blas.path.find("/blas/libblas.so.3") != std::string::npos);
        // And it computes: the reference BLAS is slow, never wrong.
        using Sgemm = void (*)(const char*, const char*, const int*, const int*, const int*,
                               const float*, const float*, const int*, const float*, const int*,
                               const float*, float*, const int*);
        auto sgemm = reinterpret_cast<Sgemm>(dlsym(handle, "sgemm_"));
        const int two = 2;
        const float alpha = 1.0f, beta = 0.0f;
        const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};  // column-major
        float c[4] = {};
        sgemm("N", "N", &two, &two, &two, &alpha, a, &two, b, &two, &beta, c, &two);
        QCOMPARE(c[0], 23.0f);
        QCOMPARE(c[3], 46.0f);
        dlclose(handle);
    }

    void blas_paths_are_classified() {
        QCOMPARE(classify_blas_path("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"),
                 BlasKind::OpenBlas);
        QCOMPARE(classify_blas_path("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"),
                 BlasKind::Reference);
        QCOMPARE(classify_blas_path("/opt/intel/mkl/lib/libmkl_rt.so"), BlasKind::Mkl);
        QCOMPARE(classify_blas_path("/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3"),
                 BlasKind::Blis);
        QCOMPARE(classify_blas_path("/usr/lib/libsomething.so"), BlasKind::Other);
        QCOMPARE(classify_blas_path(""), BlasKind::NotFound);
        QCOMPARE(identify_blas(nullptr).kind, BlasKind::NotFound);
    }

    void cpu_features_agree_with_the_kernel() {
        const auto cpu = detect_cpu_features();
        QFile flags("/proc/cpuinfo");
        if (!flags.open(QIODevice::ReadOnly)) {
            QSKIP("/proc/cpuinfo unreadable");
        }
        const QString text = QString::fromLatin1(flags.readAll());
        QCOMPARE(cpu.avx2, text.contains(" avx2"));
        QCOMPARE(cpu.avx512f, text.contains(" avx512f"));
        QCOMPARE(cpu.avx512_bf16, text.contains(" avx512_bf16"));
        QVERIFY(!describe(cpu).empty());
    }

    void gemm_probe_reports_a_rate() {
        CancelToken cancel;
        auto figure = measure_gemm(GemmRoute::OneDnnF32, 256, 0.05, cancel);
        QVERIFY(figure.has_value());
        QCOMPARE(figure->n, int64_t{256});
        QVERIFY(figure->reps >= 2);
        QVERIFY(figure->gflops > 0.1);
        cancel.cancel();
        QVERIFY(!measure_gemm(GemmRoute::BlasF32, 256, 0.05, cancel).has_value());
    }
};

QTEST_APPLESS_MAIN(TestCompute)
#include "test_compute.moc"
