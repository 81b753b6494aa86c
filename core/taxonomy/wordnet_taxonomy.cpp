#include "core/taxonomy/wordnet_taxonomy.h"

#include <unordered_map>

#include "core/taxonomy/taxonomy_builder.h"

namespace taxoscope::core {

Result<Taxonomy> build_wordnet_taxonomy(const ClassList& classes, const WordNetNouns& nouns) {
    TaxonomySpec spec;
    spec.origin = {"wordnet-3.0", classes.name};
    std::unordered_map<size_t, int> node_of;  // synset index -> spec node
    std::vector<size_t> pending;

    const auto add_node = [&](size_t synset) {
        const auto [it, inserted] = node_of.emplace(synset, static_cast<int>(spec.nodes.size()));
        if (inserted) {
            WordNetSynsetText text = nouns.text(synset);
            TaxonomyNode node;
            node.id = format_wnid(nouns.offset(synset));
            node.name = text.lemmas.empty() ? node.id : text.lemmas.front();
            node.lemmas = std::move(text.lemmas);
            node.gloss = std::move(text.gloss);
            node.kind = NodeKind::Synset;
            spec.nodes.push_back(std::move(node));
            pending.push_back(synset);
        }
        return it->second;
    };

    for (const ClassListEntry& entry : classes.entries) {
        const auto offset = parse_wnid(entry.wnid);
        const auto synset = offset ? nouns.find(*offset) : std::nullopt;
        if (!synset) {
            return fail(ErrorCode::NotFound,
                        classes.origin + " line " + std::to_string(entry.line) + ": " + entry.wnid +
                            " is not a noun synset in " + nouns.file().string());
        }
        spec.classes.push_back({add_node(*synset), entry.name});
    }
    // Upward closure: every hypernym of a kept synset is kept.
    while (!pending.empty()) {
        const size_t synset = pending.back();
        pending.pop_back();
        const int child = node_of.at(synset);
        for (uint32_t offset : nouns.hypernyms(synset)) {
            const auto parent = nouns.find(offset);
            if (!parent) {
                return fail(ErrorCode::Parse, nouns.file().string() + ": line " +
                                                  std::to_string(nouns.line(synset)) + ": synset " +
                                                  format_wnid(nouns.offset(synset)) +
                                                  " names hypernym " + format_wnid(offset) +
                                                  ", which is not in the file");
            }
            const int p = add_node(*parent);
            spec.edges.push_back(
                {child, p,
                 nouns.file().filename().string() + " line " + std::to_string(nouns.line(synset))});
        }
    }
    return build_taxonomy(spec);
}

Result<Taxonomy> build_wordnet_taxonomy(const ClassList& classes,
                                        const std::filesystem::path& wordnet,
                                        ProgressSink& progress, const CancelToken& cancel) {
    auto nouns = WordNetNouns::load(wordnet, progress, cancel);
    if (!nouns) {
        return fail(nouns.error());
    }
    return build_wordnet_taxonomy(classes, *nouns);
}

}  // namespace taxoscope::core
