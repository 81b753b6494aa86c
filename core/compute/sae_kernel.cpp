#include "core/compute/sae_kernel.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "core/compute/bf16_screen.h"
#include "core/compute/block_epilogue.h"
#include "core/compute/cpu_features.h"
#include "core/compute/sae_kernel_torch.h"
#include "core/compute/sparse_codes.h"
#include "core/compute/stopwatch.h"
#include "core/util/torch_device_torch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {

struct SaeKernel::Impl {
    int64_t d_in = 0;
    int64_t d_sae = 0;
    int64_t block_rows = 0;
    KernelOptions options;
    GemmBackend backend = GemmBackend::Blas;
    at::Device device = at::kCPU;
    at::ScalarType gemm_type = at::kFloat;
    // Every tensor below lives on `device` (the CPU unless backend is TorchDevice).
    at::Tensor w_enc_t;  // [d_sae, d_in], gemm_type; plain layout (Blas) or oneDNN (OneDnn)
    at::Tensor bias;     // [d_sae] fp32, with b_dec folded in when applied to the input
    at::Tensor cut;      // [d_sae] fp32: 0 (ReLU), threshold clamped at 0 (JumpReLU), none (TopK)
    at::Tensor w_dec;    // [d_sae, d_in], gemm_type; undefined when not given
    at::Tensor b_dec;    // [d_in] fp32

    // The bf16 screen of fp32 sparse-only streams (core/compute/bf16_screen.h).
    struct Screen {
        at::Tensor w_bf16;  // [d_sae, d_in] bf16(W_enc transposed), oneDNN layout
        at::Tensor w_t;     // [d_sae, d_in] fp32, plain: the dot products that replace it
        detail::ScreenBounds bounds;
        int64_t block_rows = 0;
    };
    std::shared_ptr<const Screen> screen;  // null: no screening

    // out[B, d_sae] (fp32, contiguous, host) = act(x[B, d_in] · W_enc + bias).
    // gemm_into stops before TopK (which needs whole rows); encode_into applies it.
    void encode_into(const at::Tensor& x, at::Tensor& out) const;
    void decode_into(const at::Tensor& codes, at::Tensor& out) const;
    void gemm_into(GemmBackend path, const at::Tensor& x, at::Tensor& out) const;
    // The same, with the epilogue also collecting the non-zero codes into `sparse` (when not
    // null). With `dense` false `out` is left unwritten, except on the fp32 BLAS path, whose
    // product lands there. CPU routes only, and not TopK (whose cut needs whole rows).
    void gemm_into(GemmBackend path, const at::Tensor& x, at::Tensor& out,
                   detail::SparseParts* sparse, bool dense) const;
    bool epilogue_collects_sparse() const {
        return backend != GemmBackend::TorchDevice && options.activation != Activation::TopK;
    }
    // The firing codes of x [B, d_in] through the screen into `sparse`; returns how many codes
    // needed their fp32 dot product.
    int64_t screen_into(const at::Tensor& x, detail::SparseParts& sparse) const;
    // The TorchDevice route: codes [B, d_sae] fp32 on `device`.
    at::Tensor device_encode(const at::Tensor& x) const;
    at::Tensor device_decode(const at::Tensor& codes) const;
};

namespace {

// The oneDNN path runs the product transposed, (W_enc_t · xᵀ), so that the big matrix is
// oneDNN's *source* and the small row block its *weight*: mkldnn_linear re-lays its weight
// into a blocked format on every call, which costs nothing for a 256-row block but a full pass
// over 75 MB for SAE weights. Measured: 1.5x faster than the direct orientation at d_sae 12288.
at::Tensor onednn_product(const at::Tensor& w_t_onednn, const at::Tensor& x, at::ScalarType type) {
    const at::Tensor rows = x.to(type).contiguous().to_mkldnn();
    return at::mkldnn_linear(w_t_onednn, rows).to_dense();  // [d_sae, B]
}

// TopK looks across a whole row, so it runs after the epilogue (which added the bias only).
void apply_top_k(int64_t k, at::Tensor& out) {
    const auto top = out.topk(k, /*dim=*/1, /*largest=*/true, /*sorted=*/false);
    const at::Tensor values = std::get<0>(top).clamp_min(0.0);
    out.zero_();
    out.scatter_(1, std::get<1>(top), values);
}

const uint16_t* bf16_bits(const at::Tensor& t) {
    return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>());
}

// Calls body(first, count) for consecutive blocks of at most `block` of n rows.
template <typename Body>
void for_each_block(int64_t n, int64_t block, Body&& body) {
    for (int64_t first = 0; first < n; first += block) {
        body(first, std::min(block, n - first));
    }
}

// Best of three timed runs of `body` after one warm-up (oneDNN builds its primitive on the
// first call).
template <typename Body>
double best_time(Body&& body) {
    body();
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
        const Stopwatch watch;
        body();
        best = std::min(best, watch.seconds());
    }
    return best;
}

double time_path(const SaeKernel::Impl& k, GemmBackend path, const at::Tensor& x) {
    at::Tensor out = at::empty({x.size(0), k.d_sae}, at::kFloat);
    return best_time([&] { k.gemm_into(path, x, out); });
}

// One measurement per process and shape class: the choice depends on shape, precision and the
// thread count, not on the weights' values.
GemmBackend measured_backend(SaeKernel::Impl& k, const at::Tensor& w_t_plain) {
    using Key = std::tuple<int64_t, int64_t, int64_t, int, int>;
    static std::mutex mutex;
    static std::map<Key, GemmBackend> chosen;
    const Key key{k.d_in, k.d_sae, k.block_rows, static_cast<int>(k.options.precision),
                  at::get_num_threads()};
    std::lock_guard<std::mutex> lock(mutex);
    if (const auto it = chosen.find(key); it != chosen.end()) {
        return it->second;
    }
    const at::Tensor x = at::randn({k.block_rows, k.d_in}, at::kFloat);
    k.w_enc_t = w_t_plain;
    const double blas = time_path(k, GemmBackend::Blas, x);
    k.w_enc_t = w_t_plain.to_mkldnn();
    const double onednn = time_path(k, GemmBackend::OneDnn, x);
    const GemmBackend best = onednn < blas ? GemmBackend::OneDnn : GemmBackend::Blas;
    chosen.emplace(key, best);
    return best;
}

// Past this share of a block's codes computed in fp32 the screen costs more than the product
// it replaces, and the stream goes back to the fp32 product for its remaining blocks.
constexpr double kScreenGivesUp = 0.2;

bool screen_applies(const SaeKernel::Impl& k) {
    if (k.options.bf16_screen == Bf16Screen::Off || k.gemm_type != at::kFloat ||
        k.options.activation == Activation::TopK || !k.cut.defined()) {
        return false;
    }
    const Bf16ScreenSupport support = bf16_screen_support();
    return support == Bf16ScreenSupport::ByDefault ||
           (support == Bf16ScreenSupport::OnRequest && k.options.bf16_screen == Bf16Screen::On);
}

// The screen for the kernel's weights, or null where it does not apply.
std::shared_ptr<const SaeKernel::Impl::Screen> prepare_screen(const SaeKernel::Impl& k,
                                                              const at::Tensor& w_t_plain) {
    if (!screen_applies(k)) {
        return nullptr;
    }
    auto screen = std::make_shared<SaeKernel::Impl::Screen>();
    // Longer blocks than fp32's: the bf16 product needs them for its speed (block rule).
    screen->block_rows = k.options.block_rows > 0 ? k.options.block_rows
                                                  : encode_block_rows(k.d_sae, Precision::BF16);
    screen->w_t = w_t_plain;
    at::Tensor bits = at::empty({k.d_sae, k.d_in}, at::kBFloat16);
    screen->bounds = detail::screen_bounds(
        w_t_plain.data_ptr<float>(), k.d_sae, k.d_in, k.bias.data_ptr<float>(),
        k.cut.data_ptr<float>(), reinterpret_cast<uint16_t*>(bits.data_ptr<at::BFloat16>()));
    try {
        screen->w_bf16 = bits.to_mkldnn();
        // One product now, so that a LibTorch whose oneDNN lacks bf16 fails here, not in the
        // middle of a stream.
        const at::Tensor x = at::zeros({1, k.d_in}, at::kBFloat16);
        at::mkldnn_linear(screen->w_bf16, x.to_mkldnn()).to_dense();
    } catch (const std::exception&) {
        return nullptr;  // the fp32 product is always there
    }
    return screen;
}

at::Tensor to_float_vector(const at::Tensor& t, int64_t size, const char* name) {
    TORCH_CHECK(t.dim() == 1 && t.size(0) == size, name, " must have shape [", size, "], got ",
                t.sizes());
    // clone: .to()/.contiguous() return the caller's own tensor when nothing needs converting,
    // and the kernel must not alias memory the caller may free or keep training.
    return t.to(at::kFloat).clone(at::MemoryFormat::Contiguous);
}

// Which device and route the options ask for, or why they cannot be had here.
Result<std::pair<at::Device, GemmBackend>> resolve_route(const KernelOptions& options) {
    auto device = parse_device(options.device);
    if (!device) {
        return fail(device.error().with_context("SAE kernel"));
    }
    const std::string name = device->str();
    if (device->is_cuda()) {
        if (options.backend == GemmBackend::Blas || options.backend == GemmBackend::OneDnn) {
            return fail(ErrorCode::InvalidArgument,
                        "SAE kernel: the " + std::string(to_string(options.backend)) +
                            " backend runs on the CPU only; device '" + name +
                            "' takes the torch-device route (backend auto)");
        }
        return std::make_pair(*device, GemmBackend::TorchDevice);
    }
    if (!device->is_cpu()) {
        return fail(ErrorCode::Unsupported, "SAE kernel: device '" + name + "' is not supported");
    }
    if (options.precision == Precision::F16) {
        // LibTorch 1.13 has no CPU half-precision GEMM ("addmm_impl_cpu_" is not implemented
        // for Half), and on the CPU bf16 is the fast low precision anyway.
        return fail(ErrorCode::Unsupported,
                    "SAE kernel: f16 SAE products are offered on CUDA only; on the CPU (device '" +
                        name + "') use f32 or bf16");
    }
    return std::make_pair(*device, options.backend);
}

at::ScalarType gemm_type_of(Precision precision) {
    switch (precision) {
        case Precision::F32:
            return at::kFloat;
        case Precision::BF16:
            return at::kBFloat16;
        case Precision::F16:
            break;
    }
    return at::kHalf;
}

Result<void> check_options(const SaeTensors& t, const KernelOptions& options, int64_t d_sae) {
    if (options.activation == Activation::TopK && (options.k <= 0 || options.k > d_sae)) {
        return fail(ErrorCode::InvalidArgument, "TopK activation needs 0 < k <= d_sae (" +
                                                    std::to_string(d_sae) +
                                                    "), got k = " + std::to_string(options.k));
    }
    if (options.activation == Activation::JumpReLU && !t.threshold.defined()) {
        return fail(ErrorCode::InvalidArgument, "JumpReLU activation needs a threshold tensor");
    }
    if (options.block_rows < 0) {
        return fail(ErrorCode::InvalidArgument,
                    "block_rows must be >= 0, got " + std::to_string(options.block_rows));
    }
    return {};
}

}  // namespace

void SaeKernel::Impl::gemm_into(GemmBackend path, const at::Tensor& x, at::Tensor& out) const {
    gemm_into(path, x, out, nullptr, /*dense=*/true);
}

void SaeKernel::Impl::gemm_into(GemmBackend path, const at::Tensor& x, at::Tensor& out,
                                detail::SparseParts* sparse, bool dense) const {
    detail::EpilogueArgs args;
    args.rows = x.size(0);
    args.features = d_sae;
    args.bias = bias.data_ptr<float>();
    args.cut = cut.defined() ? cut.data_ptr<float>() : nullptr;
    args.out = dense ? out.data_ptr<float>() : nullptr;
    args.sparse = sparse;
    if (path == GemmBackend::OneDnn) {
        const at::Tensor y = onednn_product(w_enc_t, x, gemm_type);
        if (gemm_type == at::kFloat) {
            detail::epilogue_transposed(y.data_ptr<float>(), args);
        } else {
            detail::epilogue_transposed(bf16_bits(y), args);
        }
    } else if (gemm_type == at::kFloat) {
        at::mm_out(out, x, w_enc_t.t());
        args.out = out.data_ptr<float>();  // in place: each value read, then written
        detail::epilogue_rows(out.data_ptr<float>(), args);
    } else {
        const at::Tensor y = at::mm(x.to(gemm_type), w_enc_t.t());
        detail::epilogue_rows(bf16_bits(y), args);
    }
}

int64_t SaeKernel::Impl::screen_into(const at::Tensor& x, detail::SparseParts& sparse) const {
    const int64_t rows = x.size(0);
    at::Tensor bits = at::empty({rows, d_in}, at::kBFloat16);
    std::vector<float> rounding(static_cast<size_t>(rows));
    std::vector<float> norm(static_cast<size_t>(rows));
    detail::screen_rows(x.data_ptr<float>(), rows, d_in,
                        reinterpret_cast<uint16_t*>(bits.data_ptr<at::BFloat16>()), rounding.data(),
                        norm.data());
    const at::Tensor product = at::mkldnn_linear(screen->w_bf16, bits.to_mkldnn()).to_dense();
    TORCH_CHECK(product.scalar_type() == at::kBFloat16 && product.is_contiguous() &&
                    product.size(0) == d_sae && product.size(1) == rows,
                "the bf16 screen's product has an unexpected layout");
    detail::ScreenArgs args;
    args.rows = rows;
    args.features = d_sae;
    args.d_in = d_in;
    args.x = x.data_ptr<float>();
    args.product = bf16_bits(product);
    args.rounding = rounding.data();
    args.norm = norm.data();
    args.w_t = screen->w_t.data_ptr<float>();
    args.bias = bias.data_ptr<float>();
    args.cut = cut.data_ptr<float>();
    args.bounds = &screen->bounds;
    return detail::screen_block(args, sparse);
}

at::Tensor SaeKernel::Impl::device_encode(const at::Tensor& x) const {
    const at::Tensor rows = x.to(device, gemm_type);
    at::Tensor pre;
    if (gemm_type == at::kFloat) {
        pre = at::addmm(bias, rows, w_enc_t.t());
    } else {
        // As on the CPU paths: the product is rounded to gemm_type, bias and cut run in fp32.
        pre = at::mm(rows, w_enc_t.t()).to(at::kFloat).add_(bias);
    }
    if (options.activation == Activation::TopK) {
        apply_top_k(options.k, pre);
    } else {
        // "keep where pre > cut" rather than "zero where pre <= cut", so that a NaN becomes 0
        // exactly as in the CPU epilogue.
        pre.masked_fill_(pre.gt(cut).logical_not_(), 0.0);
    }
    return pre;
}

at::Tensor SaeKernel::Impl::device_decode(const at::Tensor& codes) const {
    const at::Tensor z = codes.to(device, gemm_type);
    if (gemm_type == at::kFloat) {
        return at::addmm(b_dec, z, w_dec);
    }
    return at::mm(z, w_dec).to(at::kFloat).add_(b_dec);
}

void SaeKernel::Impl::encode_into(const at::Tensor& x, at::Tensor& out) const {
    if (backend == GemmBackend::TorchDevice) {
        out.copy_(device_encode(x));  // to pageable host memory: returns when the codes are there
        return;
    }
    gemm_into(backend, x, out);
    if (options.activation == Activation::TopK) {
        apply_top_k(options.k, out);
    }
}

void SaeKernel::Impl::decode_into(const at::Tensor& codes, at::Tensor& out) const {
    if (backend == GemmBackend::TorchDevice) {
        out.copy_(device_decode(codes));
    } else if (gemm_type == at::kFloat) {
        at::addmm_out(out, b_dec, codes, w_dec);
    } else {
        at::add_out(out, at::mm(codes.to(gemm_type), w_dec), b_dec);
    }
}

Bf16ScreenSupport bf16_screen_support() {
    static const Bf16ScreenSupport support = [] {
        const CpuFeatures features = detect_cpu_features();
        return features.amx_bf16      ? Bf16ScreenSupport::ByDefault
               : features.avx512_bf16 ? Bf16ScreenSupport::OnRequest
                                      : Bf16ScreenSupport::None;
    }();
    return support;
}

std::string_view to_string(Activation activation) {
    switch (activation) {
        case Activation::ReLU:
            return "relu";
        case Activation::TopK:
            return "topk";
        case Activation::JumpReLU:
            break;
    }
    return "jumprelu";
}

std::string_view to_string(GemmBackend backend) {
    switch (backend) {
        case GemmBackend::Auto:
            return "auto";
        case GemmBackend::Blas:
            return "BLAS";
        case GemmBackend::OneDnn:
            return "oneDNN";
        case GemmBackend::TorchDevice:
            break;
    }
    return "torch-device";
}

int64_t encode_block_rows(int64_t d_sae, Precision precision) {
    // Bytes of fp32 output per block. fp32 products run on oneDNN, whose output is converted and
    // re-laid twice (to a plain tensor, then transposed with the bias and the cut): those passes
    // pay off when the block fits one core's L2. The bf16 product is BLAS's, which needs longer
    // blocks to reach its speed (the sweep in docs/compute.md).
    const int64_t budget = precision == Precision::F32 ? int64_t{2} << 20 : int64_t{16} << 20;
    const int64_t fit = budget / (std::max<int64_t>(d_sae, 1) * 4);
    int64_t rows = 64;
    while (rows * 2 <= fit && rows < 1024) {
        rows *= 2;
    }
    return rows;
}

RowSource rows_in_memory(const float* data, int64_t rows, int64_t d_in) {
    RowSource source;
    source.rows = rows;
    source.read = [data, d_in](int64_t first, int64_t /*count*/,
                               std::vector<float>& /*scratch*/) -> Result<const float*> {
        return data + first * d_in;
    };
    return source;
}

Result<SaeKernel> prepare_sae_kernel(const SaeTensors& t, const KernelOptions& options) {
    if (!t.w_enc.defined() || t.w_enc.dim() != 2) {
        return fail(ErrorCode::ShapeMismatch, "W_enc must be a 2-D tensor [d_in, d_sae]");
    }
    const int64_t d_in = t.w_enc.size(0);
    const int64_t d_sae = t.w_enc.size(1);
    if (d_in == 0 || d_sae == 0) {
        return fail(ErrorCode::ShapeMismatch, "W_enc is empty");
    }
    if (auto ok = check_options(t, options, d_sae); !ok) {
        return fail(ok.error());
    }
    const auto route = resolve_route(options);
    if (!route) {
        return fail(route.error());
    }
    return guard_exceptions("preparing SAE weights", [&]() -> Result<SaeKernel> {
        at::NoGradGuard no_grad;
        auto k = std::make_shared<SaeKernel::Impl>();
        k->d_in = d_in;
        k->d_sae = d_sae;
        k->options = options;
        k->block_rows = options.block_rows > 0 ? options.block_rows
                                               : encode_block_rows(d_sae, options.precision);
        k->gemm_type = gemm_type_of(options.precision);
        k->device = route->first;

        const at::Tensor w_enc = t.w_enc.to(at::kFloat);
        k->b_dec = t.b_dec.defined() ? to_float_vector(t.b_dec, d_in, "b_dec")
                                     : at::zeros({d_in}, at::kFloat);
        at::Tensor bias = to_float_vector(t.b_enc, d_sae, "b_enc");
        if (t.apply_b_dec_to_input) {
            // (x - b_dec)·W = x·W - b_dec·W: fold it into the bias once instead of every block.
            bias =
                (bias.to(at::kDouble) - at::matmul(k->b_dec.to(at::kDouble), w_enc.to(at::kDouble)))
                    .to(at::kFloat);
        }
        k->bias = bias.contiguous();
        if (options.activation == Activation::JumpReLU) {
            k->cut = to_float_vector(t.threshold, d_sae, "threshold").clamp_min(0.0);
        } else if (options.activation == Activation::ReLU) {
            k->cut = at::zeros({d_sae}, at::kFloat);
        }
        if (t.w_dec.defined()) {
            TORCH_CHECK(t.w_dec.dim() == 2 && t.w_dec.size(0) == d_sae && t.w_dec.size(1) == d_in,
                        "W_dec must have shape [", d_sae, ", ", d_in, "], got ", t.w_dec.sizes());
            k->w_dec = route->second == GemmBackend::TorchDevice
                           ? t.w_dec  // converted where it lands, below
                           : t.w_dec.to(k->gemm_type).clone(at::MemoryFormat::Contiguous);
        }

        if (route->second == GemmBackend::TorchDevice) {
            k->backend = GemmBackend::TorchDevice;
            // Copied first, then converted: a cross-device to() with a new dtype converts on the
            // host, the slow side. `copy` keeps the kernel from aliasing the caller's memory
            // where the device is the CPU and the conversion a no-op.
            auto on_device = [&](const at::Tensor& h, at::ScalarType type) {
                return h.to(k->device, h.scalar_type(), /*non_blocking=*/false, /*copy=*/true)
                    .to(type)
                    .contiguous();
            };
            k->w_enc_t = on_device(w_enc, k->gemm_type).t().contiguous();
            k->bias = on_device(k->bias, at::kFloat);
            k->b_dec = on_device(k->b_dec, at::kFloat);
            if (k->cut.defined()) {
                k->cut = on_device(k->cut, at::kFloat);
            }
            if (k->w_dec.defined()) {
                k->w_dec = on_device(k->w_dec, k->gemm_type);
            }
            return SaeKernel(std::move(k));
        }
        const at::Tensor w_t_plain = w_enc.t().to(k->gemm_type).clone(at::MemoryFormat::Contiguous);
        GemmBackend backend = route->second;
        if (backend == GemmBackend::Auto) {
            backend = measured_backend(*k, w_t_plain);
        }
        k->backend = backend;
        k->w_enc_t = backend == GemmBackend::OneDnn ? w_t_plain.to_mkldnn() : w_t_plain;
        k->screen = prepare_screen(*k, w_t_plain);
        return SaeKernel(std::move(k));
    });
}

Result<at::Tensor> encode_block(const SaeKernel& kernel, const at::Tensor& rows) {
    const SaeKernel::Impl& k = kernel.impl();
    if (rows.dim() != 2 || rows.size(1) != k.d_in) {
        return fail(ErrorCode::ShapeMismatch, "rows to encode must have shape [B, " +
                                                  std::to_string(k.d_in) + "], got " +
                                                  c10::str(rows.sizes()));
    }
    return guard_exceptions("encoding a block", [&]() {
        at::NoGradGuard no_grad;
        const at::Tensor x = rows.to(at::kFloat).contiguous();
        at::Tensor out = at::empty({x.size(0), k.d_sae}, at::kFloat);
        for_each_block(x.size(0), k.block_rows, [&](int64_t first, int64_t count) {
            at::Tensor slice = out.narrow(0, first, count);
            k.encode_into(x.narrow(0, first, count), slice);
        });
        return out;
    });
}

Result<at::Tensor> decode_block(const SaeKernel& kernel, const at::Tensor& codes) {
    const SaeKernel::Impl& k = kernel.impl();
    if (!k.w_dec.defined()) {
        return fail(ErrorCode::InvalidArgument, "this SAE kernel was prepared without W_dec");
    }
    if (codes.dim() != 2 || codes.size(1) != k.d_sae) {
        return fail(ErrorCode::ShapeMismatch, "codes to decode must have shape [B, " +
                                                  std::to_string(k.d_sae) + "], got " +
                                                  c10::str(codes.sizes()));
    }
    return guard_exceptions("decoding a block", [&]() {
        at::NoGradGuard no_grad;
        at::Tensor out = at::empty({codes.size(0), k.d_in}, at::kFloat);
        k.decode_into(codes.to(at::kFloat).contiguous(), out);
        return out;
    });
}

Result<SaeKernel> SaeKernel::prepare(const SaeWeightsView& w, const KernelOptions& options) {
    if (w.d_in <= 0 || w.d_sae <= 0 || w.w_enc == nullptr || w.b_enc == nullptr) {
        return fail(ErrorCode::InvalidArgument,
                    "SAE weights need d_in > 0, d_sae > 0, W_enc and b_enc");
    }
    return guard_exceptions("wrapping SAE weights", [&]() {
        // from_blob does not copy; prepare_sae_kernel copies into its own layout.
        auto view = [](const float* data, std::initializer_list<int64_t> shape) {
            return data == nullptr ? at::Tensor()
                                   : at::from_blob(const_cast<float*>(data), shape, at::kFloat);
        };
        SaeTensors t;
        t.w_enc = view(w.w_enc, {w.d_in, w.d_sae});
        t.b_enc = view(w.b_enc, {w.d_sae});
        t.b_dec = view(w.b_dec, {w.d_in});
        t.w_dec = view(w.w_dec, {w.d_sae, w.d_in});
        t.threshold = view(w.threshold, {w.d_sae});
        t.apply_b_dec_to_input = w.apply_b_dec_to_input;
        return prepare_sae_kernel(t, options);
    });
}

int64_t SaeKernel::d_in() const {
    return impl_->d_in;
}
int64_t SaeKernel::d_sae() const {
    return impl_->d_sae;
}
int64_t SaeKernel::block_rows() const {
    return impl_->block_rows;
}
GemmBackend SaeKernel::backend() const {
    return impl_->backend;
}
std::string SaeKernel::device() const {
    return impl_->device.str();
}
Precision SaeKernel::precision() const {
    return impl_->options.precision;
}
Activation SaeKernel::activation() const {
    return impl_->options.activation;
}
bool SaeKernel::can_decode() const {
    return impl_->w_dec.defined();
}
bool SaeKernel::screens_with_bf16() const {
    return impl_->screen != nullptr;
}

Result<void> SaeKernel::encode(const float* rows, int64_t n, float* codes) const {
    if (n > 0 && (rows == nullptr || codes == nullptr)) {
        return fail(ErrorCode::InvalidArgument, "encode: null rows or output");
    }
    const Impl& k = *impl_;
    return guard_exceptions("encoding rows", [&]() {
        at::NoGradGuard no_grad;
        for_each_block(n, k.block_rows, [&](int64_t first, int64_t count) {
            const at::Tensor x = at::from_blob(const_cast<float*>(rows) + first * k.d_in,
                                               {count, k.d_in}, at::kFloat);
            at::Tensor out = at::from_blob(codes + first * k.d_sae, {count, k.d_sae}, at::kFloat);
            k.encode_into(x, out);
        });
    });
}

Result<void> SaeKernel::decode(const float* codes, int64_t n, float* out) const {
    if (!can_decode()) {
        return fail(ErrorCode::InvalidArgument, "this SAE kernel was prepared without W_dec");
    }
    if (n > 0 && (codes == nullptr || out == nullptr)) {
        return fail(ErrorCode::InvalidArgument, "decode: null codes or output");
    }
    const Impl& k = *impl_;
    return guard_exceptions("decoding codes", [&]() {
        at::NoGradGuard no_grad;
        for_each_block(n, k.block_rows, [&](int64_t first, int64_t count) {
            const at::Tensor z = at::from_blob(const_cast<float*>(codes) + first * k.d_sae,
                                               {count, k.d_sae}, at::kFloat);
            at::Tensor x = at::from_blob(out + first * k.d_in, {count, k.d_in}, at::kFloat);
            k.decode_into(z, x);
        });
    });
}

Result<void> SaeKernel::encode_stream(const RowSource& source, const BlockVisitor& visitor,
                                      ProgressSink& progress, const CancelToken& cancel,
                                      const StreamOutput& output) const {
    if (!source.read || source.rows < 0) {
        return fail(ErrorCode::InvalidArgument, "encode_stream: the row source has no reader");
    }
    const Impl& k = *impl_;
    const bool fused = output.sparse && k.epilogue_collects_sparse();
    bool screening = fused && !output.dense && k.screen != nullptr;
    progress.begin("encoding with the SAE", source.rows, "rows");
    std::vector<float> scratch;
    std::vector<float> codes(static_cast<size_t>(k.block_rows * k.d_sae));
    detail::SparseParts parts;
    SparseCodes sparse;
    int64_t count = 0;
    for (int64_t first = 0; first < source.rows; first += count) {
        if (cancel.is_cancelled()) {
            return fail(cancel.cancelled_error("encoding with the SAE"));
        }
        count = std::min(screening ? k.screen->block_rows : k.block_rows, source.rows - first);
        auto rows = source.read(first, count, scratch);
        if (!rows) {
            return fail(rows.error());
        }
        EncodedBlock block{first, count, k.d_sae, codes.data(), nullptr};
        if (screening) {
            int64_t computed = 0;
            auto done = guard_exceptions("encoding rows", [&]() {
                at::NoGradGuard no_grad;
                const at::Tensor x =
                    at::from_blob(const_cast<float*>(*rows), {count, k.d_in}, at::kFloat);
                computed = k.screen_into(x, parts);
            });
            if (!done) {
                return fail(done.error());
            }
            detail::collect_sparse(parts, first, k.d_sae, sparse);
            block.codes = nullptr;
            screening = static_cast<double>(computed) <=
                        kScreenGivesUp * static_cast<double>(count * k.d_sae);
        } else if (fused) {
            auto done = guard_exceptions("encoding rows", [&]() {
                at::NoGradGuard no_grad;
                const at::Tensor x =
                    at::from_blob(const_cast<float*>(*rows), {count, k.d_in}, at::kFloat);
                at::Tensor out = at::from_blob(codes.data(), {count, k.d_sae}, at::kFloat);
                k.gemm_into(k.backend, x, out, &parts, output.dense);
            });
            if (!done) {
                return fail(done.error());
            }
            detail::collect_sparse(parts, first, k.d_sae, sparse);
            if (!output.dense) {
                block.codes = nullptr;
            }
        } else {
            if (auto done = encode(*rows, count, codes.data()); !done) {
                return fail(done.error());
            }
            if (output.sparse) {
                gather_nonzero_codes(block, sparse);
            }
        }
        block.sparse = output.sparse ? &sparse : nullptr;
        if (auto seen = visitor(block); !seen) {
            return fail(seen.error());
        }
        progress.advance(count);
    }
    progress.finish();
    return {};
}

}  // namespace taxoscope::core
