#include "core/taxonomy/wordnet_location.h"

#include <cstdlib>
#include <fstream>
#include <system_error>

namespace taxoscope::core {

std::filesystem::path wordnet_dir() {
    const char* env = std::getenv(kWordNetEnvVar);
    if (env != nullptr && *env != '\0') {
        return env;
    }
    return kDefaultWordNetDir;
}

Result<std::filesystem::path> locate_wordnet(const std::filesystem::path& dir) {
    const std::string hint = " (install the Debian package wordnet-base, or point " +
                             std::string(kWordNetEnvVar) +
                             " at a folder holding WordNet 3.0's data.noun)";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return fail(ErrorCode::NotFound,
                    "WordNet folder " + dir.string() + " does not exist" + hint);
    }
    const auto data_noun = dir / "data.noun";
    if (!std::filesystem::is_regular_file(data_noun, ec)) {
        return fail(ErrorCode::NotFound,
                    "WordNet folder " + dir.string() + " has no data.noun file" + hint);
    }
    std::ifstream probe(data_noun, std::ios::binary);
    if (!probe) {
        return fail(ErrorCode::Io, "cannot read " + data_noun.string() + hint);
    }
    return dir;
}

}  // namespace taxoscope::core
