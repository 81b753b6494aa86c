#include "core/sae/sae_tensor_read.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

namespace taxoscope::core {
namespace {

std::string layout_text(MatrixLayout layout, int64_t d_in, int64_t d_sae) {
    return layout == MatrixLayout::InBySae ? "[d_in, d_sae] = " + shape_to_string({d_in, d_sae})
                                           : "[d_sae, d_in] = " + shape_to_string({d_sae, d_in});
}

template <typename T>
std::vector<float> widen(const void* data, int64_t n) {
    const T* in = static_cast<const T*>(data);
    std::vector<float> out(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        out[static_cast<size_t>(i)] = static_cast<float>(in[i]);
    }
    return out;
}

}  // namespace

std::string StoredTensor::label() const {
    return file + ": tensor '" + name + "' " + shape_to_string(view.shape);
}

Result<std::vector<float>> stored_as_floats(const StoredTensor& t) {
    const int64_t n = t.view.numel();
    switch (t.view.dtype) {
        case DType::F32:
            return widen<float>(t.view.data, n);
        case DType::F16:
            return widen<c10::Half>(t.view.data, n);
        case DType::BF16:
            return widen<c10::BFloat16>(t.view.data, n);
        case DType::F64:
            return widen<double>(t.view.data, n);
        default:
            return fail(ErrorCode::Unsupported, t.label() + " is " +
                                                    std::string(dtype_name(t.view.dtype)) +
                                                    "; SAE weights must be floating point");
    }
}

Result<std::vector<float>> read_vector(const StoredTensor& t, int64_t size, const char* role) {
    if (t.view.shape.size() != 1 || t.view.shape[0] != size) {
        return fail(ErrorCode::ShapeMismatch,
                    t.label() + " should be [" + role + "] = [" + std::to_string(size) + "]");
    }
    return stored_as_floats(t);
}

Result<std::vector<float>> read_matrix(const StoredTensor& t, int64_t d_in, int64_t d_sae,
                                       MatrixLayout want, MatrixLayout convention,
                                       std::vector<std::string>& notes) {
    const auto& s = t.view.shape;
    const bool in_by_sae = s.size() == 2 && s[0] == d_in && s[1] == d_sae;
    const bool sae_by_in = s.size() == 2 && s[0] == d_sae && s[1] == d_in;
    if (!in_by_sae && !sae_by_in) {
        return fail(ErrorCode::ShapeMismatch,
                    t.label() + " fits neither " + layout_text(MatrixLayout::InBySae, d_in, d_sae) +
                        " nor its transpose (d_in = " + std::to_string(d_in) +
                        ", d_sae = " + std::to_string(d_sae) + ")");
    }
    MatrixLayout stored = convention;
    if (in_by_sae != sae_by_in) {
        stored = in_by_sae ? MatrixLayout::InBySae : MatrixLayout::SaeByIn;
    }
    if (stored != convention) {
        notes.push_back("'" + t.name + "' is stored as " + layout_text(stored, d_in, d_sae) +
                        " instead of the format's " + layout_text(convention, d_in, d_sae) +
                        "; read transposed");
    }
    auto values = stored_as_floats(t);
    if (!values || stored == want) {
        return values;
    }
    const int64_t rows = s[0];
    const int64_t cols = s[1];
    std::vector<float> out(values->size());
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            out[static_cast<size_t>(c * rows + r)] = (*values)[static_cast<size_t>(r * cols + c)];
        }
    }
    return out;
}

Result<SaeWeights> read_sae_weights(const StoredSaeTensors& t, int64_t d_in, int64_t d_sae,
                                    std::vector<std::string>& notes) {
    auto w_enc =
        read_matrix(t.w_enc, d_in, d_sae, MatrixLayout::InBySae, t.w_enc_convention, notes);
    auto w_dec =
        read_matrix(t.w_dec, d_in, d_sae, MatrixLayout::SaeByIn, t.w_dec_convention, notes);
    auto b_enc = read_vector(t.b_enc, d_sae, "d_sae");
    auto b_dec = read_vector(t.b_dec, d_in, "d_in");
    for (const auto* r : {&w_enc, &w_dec, &b_enc, &b_dec}) {
        if (!*r) {
            return fail(r->error());
        }
    }
    SaeWeights w;
    w.w_enc = std::move(*w_enc);
    w.w_dec = std::move(*w_dec);
    w.b_enc = std::move(*b_enc);
    w.b_dec = std::move(*b_dec);
    return w;
}

}  // namespace taxoscope::core
