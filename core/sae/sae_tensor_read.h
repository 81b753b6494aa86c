// Turning stored tensors (any float dtype, either orientation) into SaeWeights' fp32 arrays, with
// errors that name the file, the tensor and both shapes. Shared by every SAE format loader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/sae/sae.h"
#include "core/store/tensor_view.h"
#include "core/util/error.h"

namespace taxoscope::core {

// The two ways an SAE matrix is stored.
enum class MatrixLayout {
    InBySae,  // [d_in, d_sae]
    SaeByIn,  // [d_sae, d_in]
};

// A stored tensor, named as in its file.
struct StoredTensor {
    std::string file;
    std::string name;
    TensorView view;

    std::string label() const;  // "<file>: tensor '<name>' [a, b]"
};

// Any floating tensor as fp32 (f16, bf16, f32, f64); Unsupported for other dtypes.
Result<std::vector<float>> stored_as_floats(const StoredTensor& tensor);

// A 1-D tensor of `size` values; `role` says what the size is ("d_in", "d_sae").
Result<std::vector<float>> read_vector(const StoredTensor& tensor, int64_t size, const char* role);

// A matrix returned in `want` layout. Its stored layout is decided from its shape: when d_in and
// d_sae differ, only one of the two fits; when they are equal, the format's `convention` is
// assumed. A layout other than the convention is accepted and added to `notes`.
Result<std::vector<float>> read_matrix(const StoredTensor& tensor, int64_t d_in, int64_t d_sae,
                                       MatrixLayout want, MatrixLayout convention,
                                       std::vector<std::string>& notes);

// W_enc, W_dec, b_enc and b_dec of an SAE, as stored (with the format's matrix conventions),
// read into SaeWeights (threshold left empty).
struct StoredSaeTensors {
    const StoredTensor& w_enc;
    MatrixLayout w_enc_convention;
    const StoredTensor& w_dec;
    MatrixLayout w_dec_convention;
    const StoredTensor& b_enc;
    const StoredTensor& b_dec;
};

Result<SaeWeights> read_sae_weights(const StoredSaeTensors& stored, int64_t d_in, int64_t d_sae,
                                    std::vector<std::string>& notes);

}  // namespace taxoscope::core
