#include "core/sae/sae_encode.h"

#include "core/sae/activation_rows.h"

namespace taxoscope::core {

Result<EncodeFileReport> encode_activations_file(const Sae& sae,
                                                 const std::filesystem::path& activations,
                                                 const std::filesystem::path& out,
                                                 Precision precision, const std::string& device,
                                                 ProgressSink& progress,
                                                 const CancelToken& cancel) {
    auto file = open_activation_file(activations);
    if (!file) {
        return fail(file.error());
    }
    const int64_t width = file->header().shape[1];
    if (width != sae.config().d_in) {
        return fail(ErrorCode::ShapeMismatch,
                    activations.string() + ": rows are " + std::to_string(width) +
                        " wide but the SAE's d_in is " + std::to_string(sae.config().d_in));
    }
    KernelOptions compute;
    compute.precision = precision;
    compute.device = device;
    auto kernel = sae.make_kernel(compute);
    if (!kernel) {
        return fail(kernel.error());
    }
    // encode is not resumable: a .partial left by a killed run is ours to replace.
    std::error_code ec;
    std::filesystem::remove(NpyRowWriter::partial_path(out), ec);
    auto writer = NpyRowWriter::create(out, DType::F32, kernel->d_sae());
    if (!writer) {
        return fail(writer.error());
    }
    int64_t active = 0;
    auto visit = [&](const EncodedBlock& block) -> Result<void> {
        const int64_t n = block.rows * block.d_sae;
        for (int64_t i = 0; i < n; ++i) {
            active += block.codes[i] > 0.0f ? 1 : 0;
        }
        return writer->append(block.codes, block.rows);
    };
    if (auto ok = kernel->encode_stream(activation_row_source(*file), visit, progress, cancel);
        !ok) {
        return fail(ok.error());
    }
    if (auto ok = writer->finish(); !ok) {
        return fail(ok.error());
    }
    EncodeFileReport report;
    report.rows = file->header().shape[0];
    report.d_sae = kernel->d_sae();
    report.backend = kernel->backend();
    report.device = kernel->device();
    report.mean_l0 =
        report.rows > 0 ? static_cast<double>(active) / static_cast<double>(report.rows) : 0.0;
    return report;
}

}  // namespace taxoscope::core
