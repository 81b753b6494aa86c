// Class sets compiled into libtaxoscope_core from resources/class_sets/<name>.tsv (see
// embed_class_sets.cmake), so the product never reads them from disk.
#pragma once

#include <string_view>
#include <vector>

namespace taxoscope::core {

struct EmbeddedClassSet {
    std::string_view name;  // "imagenet1k", "fashion-mnist"
    std::string_view text;  // the TSV, verbatim
};

const std::vector<EmbeddedClassSet>& embedded_class_sets();

}  // namespace taxoscope::core
