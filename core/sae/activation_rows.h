// Rows of a memory-mapped activations file ([N, D], float16 or float32) as fp32, without ever
// loading the file whole: the encode stream and the trainer read through these.
#pragma once

#include <cstdint>
#include <string>

#include "core/compute/sae_kernel.h"
#include "core/store/npy_file.h"

namespace taxoscope::core {

// Maps the file and checks that it is a 2-D float16/float32/bfloat16 array.
Result<NpyFile> open_activation_file(const std::filesystem::path& path);

// Copies rows [first, first + count) into `out` (count x D floats).
void copy_rows_as_float(const NpyFile& file, int64_t first, int64_t count, float* out);

// A RowSource for SaeKernel::encode_stream: float32 rows are handed out in place, others are
// converted block by block. The file must outlive the source.
RowSource activation_row_source(const NpyFile& file);

}  // namespace taxoscope::core
