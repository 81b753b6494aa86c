#include "core/data/image_ref.h"

#include "core/data/decode.h"
#include "core/data/fashion_mnist.h"

namespace taxoscope::core {

Result<ImageBuffer> load_image_ref(const std::string& ref) {
    const std::string prefix = "fashion-mnist:";
    if (ref.rfind(prefix, 0) != 0) {
        auto image = decode_image_file(ref);
        if (!image) {
            return fail(image.error().with_context(ref));
        }
        return image;
    }
    const size_t colon = ref.find(':', prefix.size());
    int64_t n = -1;
    try {
        n = colon == std::string::npos ? -1 : std::stoll(ref.substr(colon + 1));
    } catch (const std::exception&) {
        n = -1;
    }
    if (n < 0) {
        return fail(ErrorCode::Parse, "'" + ref + "' is not fashion-mnist:<split>:<number>");
    }
    auto split = load_fashion_mnist_split(ref.substr(prefix.size(), colon - prefix.size()));
    if (!split) {
        return fail(split.error());
    }
    if (n >= (*split)->count) {
        return fail(ErrorCode::NotFound,
                    "'" + ref + "': the split has " + std::to_string((*split)->count) + " images");
    }
    return fashion_mnist_image(**split, n);
}

}  // namespace taxoscope::core
