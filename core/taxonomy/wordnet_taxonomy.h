// A Taxonomy over WordNet 3.0 for a class list: the classes' synsets, all their hypernyms
// (`@` and `@i`), and the extra class leaves (see taxonomy_builder.h).
#pragma once

#include <filesystem>

#include "core/taxonomy/class_list.h"
#include "core/taxonomy/taxonomy.h"
#include "core/taxonomy/wordnet_location.h"
#include "core/taxonomy/wordnet_nouns.h"

namespace taxoscope::core {

Result<Taxonomy> build_wordnet_taxonomy(const ClassList& classes, const WordNetNouns& nouns);

// Reads data.noun from `wordnet` and builds; errors name the folder, the file line or the class
// list line at fault.
Result<Taxonomy> build_wordnet_taxonomy(const ClassList& classes,
                                        const std::filesystem::path& wordnet,
                                        ProgressSink& progress, const CancelToken& cancel);

}  // namespace taxoscope::core
