#include "core/sae/sae_io.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include "core/store/atomic_file.h"
#include "core/store/safetensors_file.h"

namespace taxoscope::core {
namespace {

bool has(const std::filesystem::path& folder, const char* name) {
    std::error_code ec;
    return std::filesystem::is_regular_file(folder / name, ec);
}

// fp32 values stored as `dtype`, kept alive in `buffers` until the file is written.
TensorView stored_view(const std::vector<float>& values, std::vector<int64_t> shape, DType dtype,
                       std::vector<std::vector<uint8_t>>& buffers) {
    if (dtype == DType::F32) {
        return TensorView{values.data(), DType::F32, std::move(shape)};
    }
    std::vector<uint8_t>& bytes = buffers.emplace_back(values.size() * 2);
    for (size_t i = 0; i < values.size(); ++i) {
        const uint16_t bits =
            dtype == DType::F16 ? c10::Half(values[i]).x : c10::BFloat16(values[i]).x;
        bytes[2 * i] = static_cast<uint8_t>(bits & 0xff);
        bytes[2 * i + 1] = static_cast<uint8_t>(bits >> 8);
    }
    return TensorView{bytes.data(), dtype, std::move(shape)};
}

}  // namespace

Result<LocatedSae> locate_sae(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::path folder = path;
    if (!std::filesystem::is_directory(path, ec)) {
        if (!std::filesystem::exists(path, ec)) {
            return fail(ErrorCode::NotFound, path.string() + ": no such file or folder");
        }
        folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    }
    if (has(folder, kSaeWeightsFile) && has(folder, kSaeConfigFile)) {
        return LocatedSae{SaeFormat::Taxoscope, folder};
    }
    if (has(folder, "sae.safetensors") && has(folder, kSaeConfigFile)) {
        return LocatedSae{SaeFormat::Sparsify, folder};
    }
    if (has(folder, "ae.pt")) {
        return LocatedSae{SaeFormat::DictionaryLearning, folder};
    }
    return fail(ErrorCode::NotFound,
                folder.string() +
                    ": no SAE found; expected cfg.json + sae_weights.safetensors (SAELens, "
                    "taxoscope), cfg.json + sae.safetensors (sparsify) or ae.pt + config.json "
                    "(dictionary_learning)");
}

Result<Sae> load_sae(const std::filesystem::path& path, const SaeLoadOptions& options) {
    auto located = locate_sae(path);
    if (!located) {
        return fail(located.error());
    }
    switch (located->format) {
        case SaeFormat::Sparsify:
            return load_sparsify_sae(located->folder, options);
        case SaeFormat::DictionaryLearning:
            return load_dictionary_learning_sae(located->folder, options);
        default:
            return load_saelens_sae(located->folder, options);
    }
}

Result<void> save_sae(const std::filesystem::path& folder, const Sae& sae) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
        return fail(ErrorCode::Io, folder.string() + ": cannot create folder: " + ec.message());
    }
    const SaeConfig& c = sae.config();
    const SaeWeights& w = sae.weights();
    const DType dtype =
        c.weight_dtype == DType::F16 || c.weight_dtype == DType::BF16 ? c.weight_dtype : DType::F32;
    std::vector<std::vector<uint8_t>> buffers;
    buffers.reserve(5);
    std::vector<NamedTensor> tensors = {
        {"W_enc", stored_view(w.w_enc, {c.d_in, c.d_sae}, dtype, buffers)},
        {"W_dec", stored_view(w.w_dec, {c.d_sae, c.d_in}, dtype, buffers)},
        {"b_enc", stored_view(w.b_enc, {c.d_sae}, dtype, buffers)},
        {"b_dec", stored_view(w.b_dec, {c.d_in}, dtype, buffers)},
    };
    if (!w.threshold.empty()) {
        tensors.emplace_back("threshold", stored_view(w.threshold, {c.d_sae}, dtype, buffers));
    }
    if (auto ok = write_safetensors(folder / kSaeWeightsFile, tensors); !ok) {
        return ok;
    }
    SaeConfig written = c;
    written.weight_dtype = dtype;
    return write_file_atomic(folder / kSaeConfigFile,
                             config_to_saelens_json(written).dump(2) + "\n");
}

}  // namespace taxoscope::core
