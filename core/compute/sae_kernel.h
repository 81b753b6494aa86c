// The dense SAE products, in one place: encode blocks (x·W_enc + b fused with the activation)
// and decode blocks, fp32 by default, bf16 on request, on whichever of BLAS and oneDNN is faster
// for the shape, or on a CUDA device. SAE inference, training and the analysis stream all call
// this; nothing else in core multiplies by SAE weights.
//
// This header is torch-free: weights and rows travel as fp32 pointers. Code that already holds
// LibTorch tensors uses core/compute/sae_kernel_torch.h (include it from .cpp files only).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/compute/precision.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

enum class Activation {
    ReLU,      // z = max(pre, 0)
    TopK,      // per row, the k largest pre-activations pass through ReLU; the rest are 0
    JumpReLU,  // z = pre where pre > threshold_j (and > 0), else 0
};

std::string_view to_string(Activation activation);

enum class GemmBackend {
    Auto,    // CPU: measure Blas and OneDnn once per process and shape class, keep the faster;
             // CUDA: TorchDevice
    Blas,    // at::addmm on plain tensors: the loaded BLAS (fp32); LibTorch's bf16 GEMM (bf16)
    OneDnn,  // at::mkldnn_linear on oneDNN-layout tensors
    // Device-agnostic ATen ops (addmm, then the activation) on the kernel's device, codes copied
    // back to the host per block: the only route on CUDA; on the CPU it exists so that tests can
    // hold the CUDA code against the fast paths on a machine without a GPU.
    TorchDevice,
};

std::string_view to_string(GemmBackend backend);

// Non-owning views of an SAE's parameters in SAELens orientation, all fp32, row-major.
// prepare() copies what it needs, so the views may die afterwards.
struct SaeWeightsView {
    int64_t d_in = 0;
    int64_t d_sae = 0;
    const float* w_enc = nullptr;       // [d_in, d_sae]
    const float* b_enc = nullptr;       // [d_sae]
    const float* b_dec = nullptr;       // [d_in]; null means zeros
    const float* w_dec = nullptr;       // [d_sae, d_in]; null: this kernel only encodes
    const float* threshold = nullptr;   // [d_sae]; required for JumpReLU
    bool apply_b_dec_to_input = false;  // encode x - b_dec instead of x
};

// Whether fp32 streams that want only the firing codes (the analysis) screen them with a bf16
// product first (core/compute/bf16_screen.h): the codes are still fp32 dot products.
enum class Bf16Screen {
    Auto,  // where bf16_screen_support() says ByDefault
    On,    // wherever the CPU has bf16 units (tests)
    Off,
};

// Where this CPU runs the bf16 screen. Decided by the CPU alone, not by a timing, so that two
// runs of an analysis on one machine take the same route.
enum class Bf16ScreenSupport {
    None,       // no bf16 units
    OnRequest,  // AVX-512 BF16 without AMX: its bf16 product runs at ~1-2x fp32's, too close to
                // pay for the dot products; Bf16Screen::On only
    ByDefault,  // AMX: the bf16 product runs at 3-5x fp32's (docs/compute.md)
};
Bf16ScreenSupport bf16_screen_support();

struct KernelOptions {
    Activation activation = Activation::ReLU;
    int64_t k = 0;  // TopK only: active features per row
    Precision precision = Precision::F32;
    GemmBackend backend = GemmBackend::Auto;
    int64_t block_rows = 0;  // rows per GEMM block; 0 = encode_block_rows(d_sae) (bf16's rule
                             // for the bf16 screen's blocks)
    // Where the weights live and the products run: "cpu", "cuda", "cuda:N" or "auto" (CUDA when
    // this LibTorch has a usable device). Rows and codes stay host fp32 whatever the device.
    std::string device = "cpu";
    Bf16Screen bf16_screen = Bf16Screen::Auto;  // fp32 ReLU/JumpReLU on the CPU only
};

// Rows per encode block so that one block's fp32 output (rows x d_sae) stays in cache: the
// largest power of two with rows * d_sae * 4 bytes <= 2 MiB for fp32 products (one core's L2),
// 16 MiB for bf16/f16 ones, clamped to [64, 1024] (docs/compute.md has the measurements).
int64_t encode_block_rows(int64_t d_sae, Precision precision = Precision::F32);

struct SparseCodes;  // core/compute/sparse_codes.h

// One encoded block of a stream: codes of rows [first_row, first_row + rows). Both views are
// valid only during the visitor call.
struct EncodedBlock {
    int64_t first_row = 0;
    int64_t rows = 0;
    int64_t d_sae = 0;
    // Row-major fp32; null when the stream was asked for sparse codes alone and the epilogue
    // collected them (no dense block is then written at all).
    const float* codes = nullptr;
    const SparseCodes* sparse = nullptr;  // the non-zero codes, when the stream was asked for them
};

// What encode_stream hands its visitor.
struct StreamOutput {
    bool dense = true;    // EncodedBlock::codes
    bool sparse = false;  // EncodedBlock::sparse: collected while the codes are formed where the
                          // route allows (ReLU and JumpReLU on the CPU), else from the dense block
};

// Supplies rows [first, first + count) of an [rows, d_in] fp32 matrix: a pointer into the
// source's own memory (a memory-mapped file), or into `scratch` after converting into it.
struct RowSource {
    int64_t rows = 0;
    std::function<Result<const float*>(int64_t first, int64_t count, std::vector<float>& scratch)>
        read;
};

// A source over rows already in memory (no copy).
RowSource rows_in_memory(const float* data, int64_t rows, int64_t d_in);

using BlockVisitor = std::function<Result<void>(const EncodedBlock&)>;

struct SaeTensors;  // LibTorch tensors; core/compute/sae_kernel_torch.h

class SaeKernel {
  public:
    struct Impl;  // LibTorch state; defined in sae_kernel.cpp

    // Copies the weights into the layout of the chosen backend (measuring both if Auto), on
    // the chosen device. Refuses CUDA where this LibTorch has none, F16 on the CPU, and the
    // CPU-only backends on CUDA, each with a message that says why.
    static Result<SaeKernel> prepare(const SaeWeightsView& weights, const KernelOptions& options);

    int64_t d_in() const;
    int64_t d_sae() const;
    int64_t block_rows() const;
    GemmBackend backend() const;  // the resolved one, never Auto
    std::string device() const;   // the resolved one: "cpu", "cuda:0"
    Precision precision() const;
    Activation activation() const;
    bool can_decode() const;
    // True when sparse-only fp32 streams go through the bf16 screen.
    bool screens_with_bf16() const;

    // codes[n, d_sae] = act(rows[n, d_in] · W_enc + b), computed block by block.
    Result<void> encode(const float* rows, int64_t n, float* codes) const;
    // out[n, d_in] = codes[n, d_sae] · W_dec + b_dec.
    Result<void> decode(const float* codes, int64_t n, float* out) const;

    // Encodes the source block by block and hands every block to `visitor` (a streaming top-k,
    // class x feature counts, ...): nothing of size rows x d_sae is ever held.
    Result<void> encode_stream(const RowSource& source, const BlockVisitor& visitor,
                               ProgressSink& progress, const CancelToken& cancel,
                               const StreamOutput& output = {}) const;

    const Impl& impl() const { return *impl_; }

  private:
    friend Result<SaeKernel> prepare_sae_kernel(const SaeTensors& tensors,
                                                const KernelOptions& options);
    explicit SaeKernel(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;  // immutable after prepare: copies share it, threads too
};

}  // namespace taxoscope::core
