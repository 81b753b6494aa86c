#include "core/inspect/feature_alignment.h"

#include <string>

#include "core/store/safetensors_file.h"

namespace taxoscope::core {
namespace {

template <typename T>
Result<std::vector<T>> read_vector(const SafetensorsFile& file, const std::string& name,
                                   DType dtype, int64_t d_sae) {
    auto view = file.tensor(name);
    if (!view) {
        return fail(view.error());
    }
    if (view->dtype != dtype || view->shape != std::vector<int64_t>{d_sae}) {
        return fail(ErrorCode::ShapeMismatch, file.path().string() + ": tensor '" + name + "' is " +
                                                  std::string(dtype_name(view->dtype)) + " " +
                                                  shape_to_string(view->shape) + ", expected " +
                                                  std::string(dtype_name(dtype)) + " [" +
                                                  std::to_string(d_sae) + "]");
    }
    const T* data = view->as<T>();
    return std::vector<T>(data, data + d_sae);
}

}  // namespace

Result<FeatureAlignment> read_feature_alignment(const std::filesystem::path& path, int64_t d_sae) {
    auto file = SafetensorsFile::open(path);
    if (!file) {
        return fail(file.error());
    }
    FeatureAlignment out;
    auto nodes = read_vector<int32_t>(*file, "best_node", DType::I32, d_sae);
    if (!nodes) {
        return fail(nodes.error());
    }
    auto f1 = read_vector<float>(*file, "best_f1", DType::F32, d_sae);
    if (!f1) {
        return fail(f1.error());
    }
    out.best_node = std::move(*nodes);
    out.best_f1 = std::move(*f1);
    return out;
}

}  // namespace taxoscope::core
