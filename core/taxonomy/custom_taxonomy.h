// A taxonomy that is not WordNet (CIFAR-100's superclasses, a lab's own hierarchy), read from a
// sectioned TSV:
//
//   # comments and blank lines are ignored
//   [classes]
//   <id>[<TAB><display name>]            one per line; class index = order
//   [edges]
//   <child id><TAB><parent id>           one hypernym edge per line
//   [names]                              optional
//   <id><TAB><display name>[<TAB><description>]
//
// Every class must appear in [edges]; nodes not above any class are dropped; several parentless
// nodes get a synthetic root. Details: docs/taxonomy.md.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/taxonomy/taxonomy.h"

namespace taxoscope::core {

// `origin` names the source in errors ("cifar100.tsv").
Result<Taxonomy> parse_custom_taxonomy(std::string_view text, const std::string& origin);
Result<Taxonomy> read_custom_taxonomy(const std::filesystem::path& path);

}  // namespace taxoscope::core
