// WordNet 3.0's noun synsets, read from data.noun: ids, hypernyms, and (on demand) lemmas and
// gloss.
//
// The whole file is read once and every line is checked (so a malformed line is reported with its
// number wherever it is); only hypernym links are extracted up front, lemmas and glosses are parsed
// from the kept text for the few synsets a taxonomy needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::core {

// "n01440764" -> 1440764; nullopt unless "n" followed by exactly 8 digits.
std::optional<uint32_t> parse_wnid(std::string_view text);
std::string format_wnid(uint32_t offset);

struct WordNetSynsetText {
    std::vector<std::string> lemmas;  // in WordNet's order, '_' shown as ' '
    std::string gloss;
};

class WordNetNouns {
  public:
    // Reads <dir>/data.noun (after locate_wordnet's checks).
    static Result<WordNetNouns> load(const std::filesystem::path& dir, ProgressSink& progress,
                                     const CancelToken& cancel);
    // Parses data.noun text already in memory; `file` only names it in errors.
    static Result<WordNetNouns> parse(std::string text, std::filesystem::path file,
                                      ProgressSink& progress, const CancelToken& cancel);

    size_t size() const { return synsets_.size(); }
    const std::filesystem::path& file() const { return file_; }
    // Index of the synset with this offset.
    std::optional<size_t> find(uint32_t offset) const;

    uint32_t offset(size_t i) const { return synsets_[i].offset; }
    int line(size_t i) const { return static_cast<int>(synsets_[i].line); }
    // Offsets of the hypernyms (`@`) and instance hypernyms (`@i`), in file order.
    std::vector<uint32_t> hypernyms(size_t i) const;
    WordNetSynsetText text(size_t i) const;

  private:
    struct Synset {
        uint32_t offset;
        uint32_t line;        // 1-based line number in data.noun
        uint32_t text_begin;  // first lemma .. end of line, within text_
        uint32_t text_end;
        uint32_t hypernym_begin;  // range in hypernyms_
        uint32_t hypernym_end;
    };

    std::filesystem::path file_;
    std::string text_;
    std::vector<Synset> synsets_;  // ascending offset
    std::vector<uint32_t> hypernyms_;
};

}  // namespace taxoscope::core
