// Encoding a whole activations file with an SAE into dense fp32 codes (`taxoscope-cli encode`):
// for interop checks and scripts. Analysis never writes N x d_sae; it streams (core/compute).
#pragma once

#include <filesystem>
#include <string>

#include "core/sae/sae.h"

namespace taxoscope::core {

struct EncodeFileReport {
    int64_t rows = 0;
    int64_t d_sae = 0;
    double mean_l0 = 0.0;  // active features per row
    GemmBackend backend = GemmBackend::Blas;
    std::string device;  // where the products ran: "cpu", "cuda:0"
};

// activations [N, d_in] (float16/float32 .npy, memory-mapped) -> out [N, d_sae] float32 .npy,
// written block by block to out.partial and renamed when complete. `device` as in
// KernelOptions: "cpu", "auto", "cuda" or "cuda:N".
Result<EncodeFileReport> encode_activations_file(const Sae& sae,
                                                 const std::filesystem::path& activations,
                                                 const std::filesystem::path& out,
                                                 Precision precision, const std::string& device,
                                                 ProgressSink& progress, const CancelToken& cancel);

}  // namespace taxoscope::core
