#include "core/compute/encode_benchmark.h"

#include <chrono>
#include <cmath>

#include <ATen/ATen.h>

#include "core/compute/feature_top_k.h"
#include "core/compute/sae_kernel_torch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_of(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Result<EncodeThroughput> measure_encode_top_k(const EncodeWorkload& workload,
                                              ProgressSink& progress, const CancelToken& cancel) {
    if (workload.rows <= 0 || workload.d_in <= 0 || workload.d_sae <= 0 || workload.top_k <= 0) {
        return fail(ErrorCode::InvalidArgument, "encode benchmark: sizes must be positive");
    }
    return guard_exceptions("encode benchmark", [&]() -> Result<EncodeThroughput> {
        at::NoGradGuard no_grad;
        EncodeThroughput result;
        result.workload = workload;

        SaeTensors sae;
        sae.w_enc = at::randn({workload.d_in, workload.d_sae}, at::kFloat) /
                    std::sqrt(static_cast<double>(workload.d_in));
        // A negative bias makes ~16% of the features fire per row, like a trained ReLU SAE.
        sae.b_enc = at::full({workload.d_sae}, -1.0f, at::kFloat);
        KernelOptions options;
        options.precision = workload.precision;
        options.backend = workload.backend;
        const auto prepare_start = Clock::now();
        auto kernel = prepare_sae_kernel(sae, options);
        if (!kernel) {
            return fail(kernel.error());
        }
        result.prepare_s = seconds_of(prepare_start);
        result.backend = kernel->backend();
        result.block_rows = kernel->block_rows();
        sae = {};  // the kernel holds its own copy

        const int64_t block = kernel->block_rows();
        const int64_t pool_blocks =
            std::max<int64_t>(1, std::min<int64_t>(4096, workload.rows) / block);
        const at::Tensor pool = at::randn({pool_blocks * block, workload.d_in}, at::kFloat);
        const float* pool_data = pool.data_ptr<float>();
        RowSource source;
        source.rows = workload.rows;
        source.read = [&](int64_t first, int64_t, std::vector<float>&) -> Result<const float*> {
            return pool_data + ((first / block) % pool_blocks) * block * workload.d_in;
        };

        FeatureTopK top_k(workload.d_sae, workload.top_k);
        const auto start = Clock::now();
        auto streamed = kernel->encode_stream(
            source, [&](const EncodedBlock& b) { return top_k.add(b); }, progress, cancel);
        if (!streamed) {
            return fail(streamed.error());
        }
        result.seconds = seconds_of(start);
        result.gflops = 2.0 * static_cast<double>(workload.rows) *
                        static_cast<double>(workload.d_in) * static_cast<double>(workload.d_sae) /
                        result.seconds / 1e9;
        return result;
    });
}

}  // namespace taxoscope::core
