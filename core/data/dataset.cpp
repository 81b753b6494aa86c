#include "core/data/dataset.h"

#include "core/data/decode.h"

namespace taxoscope::core {

Result<ImageBuffer> Dataset::load(size_t i) const {
    return decode_image_file(items.at(i).ref);
}

void Dataset::truncate(size_t n) {
    if (n < items.size()) {
        items.resize(n);
    }
}

Result<std::unique_ptr<Dataset>> open_dataset(const std::string& spec, const ClassList* classes) {
    if (spec == "fashion-mnist" || spec.rfind("fashion-mnist:", 0) == 0) {
        const std::string split = spec.size() > 14 ? spec.substr(14) : "all";
        return open_fashion_mnist(split, {}, classes);
    }
    std::error_code ec;
    const std::filesystem::path path(spec);
    if (std::filesystem::is_directory(path, ec)) {
        return open_image_folder(path, classes);
    }
    if (std::filesystem::is_regular_file(path, ec)) {
        return open_manifest(path, classes);
    }
    return fail(ErrorCode::NotFound, "'" + spec +
                                         "' is neither an image folder, a manifest file nor "
                                         "fashion-mnist[:train|test]");
}

}  // namespace taxoscope::core
