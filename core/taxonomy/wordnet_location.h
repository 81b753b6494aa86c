// Where WordNet 3.0 lives on this machine.
#pragma once

#include <filesystem>

#include "core/util/error.h"

namespace taxoscope::core {

// Debian's wordnet-base installs here.
inline constexpr const char* kDefaultWordNetDir = "/usr/share/wordnet";
inline constexpr const char* kWordNetEnvVar = "TAXOSCOPE_WORDNET";

// $TAXOSCOPE_WORDNET when set and non-empty, else kDefaultWordNetDir.
std::filesystem::path wordnet_dir();

// The folder, checked to hold a readable data.noun; the error names the folder and the
// Debian package that provides it.
Result<std::filesystem::path> locate_wordnet(const std::filesystem::path& dir = wordnet_dir());

}  // namespace taxoscope::core
