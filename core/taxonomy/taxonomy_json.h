// taxonomy.json: a self-contained copy of a Taxonomy (nodes with names, lemmas, glosses and
// parents; classes with their leaves), so a workspace opens without WordNet installed. Node
// indices survive the round trip. Layout: docs/taxonomy.md.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/taxonomy/taxonomy.h"

namespace taxoscope::core {

inline constexpr const char* kTaxonomyJsonFormat = "taxoscope.taxonomy";
inline constexpr int kTaxonomyJsonVersion = 1;

std::string taxonomy_to_json(const Taxonomy& taxonomy);
// `origin` names the source in errors.
Result<Taxonomy> taxonomy_from_json(std::string_view text, const std::string& origin);

// Written to a temporary name next to `path`, then renamed.
Result<void> save_taxonomy_json(const Taxonomy& taxonomy, const std::filesystem::path& path);
Result<Taxonomy> load_taxonomy_json(const std::filesystem::path& path);

}  // namespace taxoscope::core
