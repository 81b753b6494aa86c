#include "core/taxonomy/wordnet_nouns.h"

#include <algorithm>
#include <cstdio>

#include "core/taxonomy/text_lines.h"
#include "core/taxonomy/wordnet_location.h"

namespace taxoscope::core {
namespace {

// Space-separated fields of one data.noun line (format: WordNet's wndb(5WN)).
class Fields {
  public:
    explicit Fields(std::string_view line) : line_(line) {}

    std::string_view next() {
        while (pos_ < line_.size() && line_[pos_] == ' ') {
            ++pos_;
        }
        const size_t begin = pos_;
        while (pos_ < line_.size() && line_[pos_] != ' ') {
            ++pos_;
        }
        return line_.substr(begin, pos_ - begin);
    }
    size_t position() const { return pos_; }
    std::string_view rest() const { return line_.substr(std::min(pos_, line_.size())); }

  private:
    std::string_view line_;
    size_t pos_ = 0;
};

bool parse_number(std::string_view text, int base, size_t digits, uint32_t& out) {
    if (text.size() != digits) {
        return false;
    }
    uint32_t value = 0;
    for (char ch : text) {
        uint32_t d;
        if (ch >= '0' && ch <= '9') {
            d = static_cast<uint32_t>(ch - '0');
        } else if (base == 16 && ch >= 'a' && ch <= 'f') {
            d = static_cast<uint32_t>(ch - 'a' + 10);
        } else if (base == 16 && ch >= 'A' && ch <= 'F') {
            d = static_cast<uint32_t>(ch - 'A' + 10);
        } else {
            return false;
        }
        value = value * static_cast<uint32_t>(base) + d;
    }
    out = value;
    return true;
}

struct ParsedLine {
    uint32_t offset = 0;
    size_t words_at = 0;  // position of the w_cnt field
    std::vector<uint32_t> hypernyms;
};

// Returns an empty string when the line is well formed, else what is wrong with it.
std::string parse_line(std::string_view line, ParsedLine& out) {
    Fields f(line);
    if (!parse_number(f.next(), 10, 8, out.offset)) {
        return "expected an 8-digit synset offset at the start";
    }
    uint32_t unused;
    if (!parse_number(f.next(), 10, 2, unused)) {
        return "expected a 2-digit lexicographer file number after the offset";
    }
    const std::string_view type = f.next();
    if (type != "n") {
        return "expected synset type 'n', found '" + std::string(type) + "'";
    }
    out.words_at = f.position();
    uint32_t word_count;
    if (!parse_number(f.next(), 16, 2, word_count) || word_count == 0) {
        return "expected a 2-digit hexadecimal word count above 0";
    }
    for (uint32_t w = 0; w < word_count; ++w) {
        if (f.next().empty() || !parse_number(f.next(), 16, 1, unused)) {
            return "word " + std::to_string(w + 1) + " of " + std::to_string(word_count) +
                   " is missing or lacks its lex_id";
        }
    }
    uint32_t pointer_count;
    if (!parse_number(f.next(), 10, 3, pointer_count)) {
        return "expected a 3-digit pointer count after " + std::to_string(word_count) + " words";
    }
    out.hypernyms.clear();
    for (uint32_t p = 0; p < pointer_count; ++p) {
        const std::string_view symbol = f.next();
        uint32_t target;
        const bool target_ok = parse_number(f.next(), 10, 8, target);
        const std::string_view pos = f.next();
        if (symbol.empty() || !target_ok || pos.size() != 1 ||
            !parse_number(f.next(), 16, 4, unused)) {
            return "pointer " + std::to_string(p + 1) + " of " + std::to_string(pointer_count) +
                   " is malformed (expected: symbol, 8-digit offset, part of speech, 4 hex digits)";
        }
        if ((symbol == "@" || symbol == "@i") && pos == "n") {
            out.hypernyms.push_back(target);
        }
    }
    if (f.next() != "|") {
        return "expected '|' and the gloss after " + std::to_string(pointer_count) + " pointers";
    }
    return {};
}

}  // namespace

std::optional<uint32_t> parse_wnid(std::string_view text) {
    uint32_t offset;
    if (text.size() != 9 || text[0] != 'n' || !parse_number(text.substr(1), 10, 8, offset)) {
        return std::nullopt;
    }
    return offset;
}

std::string format_wnid(uint32_t offset) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "n%08u", offset);
    return buffer;
}

Result<WordNetNouns> WordNetNouns::load(const std::filesystem::path& dir, ProgressSink& progress,
                                        const CancelToken& cancel) {
    auto located = locate_wordnet(dir);
    if (!located) {
        return fail(located.error());
    }
    const auto path = *located / "data.noun";
    auto text = read_text_file(path, "WordNet file");
    if (!text) {
        return fail(text.error());
    }
    return parse(std::move(*text), path, progress, cancel);
}

Result<WordNetNouns> WordNetNouns::parse(std::string text, std::filesystem::path file,
                                         ProgressSink& progress, const CancelToken& cancel) {
    if (text.size() > UINT32_MAX) {
        return fail(ErrorCode::Unsupported, file.string() + " is too large for a data.noun file");
    }
    WordNetNouns nouns;
    nouns.file_ = std::move(file);
    nouns.text_ = std::move(text);
    nouns.synsets_.reserve(90000);
    nouns.hypernyms_.reserve(100000);
    progress.begin("reading WordNet nouns", static_cast<int64_t>(nouns.text_.size()), "bytes");

    const std::string_view all(nouns.text_);
    ParsedLine parsed;
    size_t begin = 0;
    uint32_t line_no = 0;
    bool sorted = true;
    while (begin < all.size()) {
        size_t end = all.find('\n', begin);
        if (end == std::string_view::npos) {
            end = all.size();
        }
        ++line_no;
        std::string_view line = all.substr(begin, end - begin);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        // The license header's lines start with spaces; blank lines carry nothing.
        if (!line.empty() && line[0] != ' ') {
            const std::string problem = parse_line(line, parsed);
            if (!problem.empty()) {
                return fail(ErrorCode::Parse, nouns.file_.string() + ": line " +
                                                  std::to_string(line_no) + ": " + problem);
            }
            Synset s;
            s.offset = parsed.offset;
            s.line = line_no;
            s.text_begin = static_cast<uint32_t>(begin + parsed.words_at);
            s.text_end = static_cast<uint32_t>(begin + line.size());
            s.hypernym_begin = static_cast<uint32_t>(nouns.hypernyms_.size());
            nouns.hypernyms_.insert(nouns.hypernyms_.end(), parsed.hypernyms.begin(),
                                    parsed.hypernyms.end());
            s.hypernym_end = static_cast<uint32_t>(nouns.hypernyms_.size());
            if (!nouns.synsets_.empty() && nouns.synsets_.back().offset >= s.offset) {
                sorted = false;
            }
            nouns.synsets_.push_back(s);
        }
        begin = end + 1;
        if ((line_no & 4095) == 0) {
            if (cancel.is_cancelled()) {
                return fail(cancel.cancelled_error("reading " + nouns.file_.string()));
            }
            progress.set_done(static_cast<int64_t>(begin));
        }
    }
    if (!sorted) {
        // WordNet's offsets are byte positions, so a real file is sorted; a hand-made one may not
        // be.
        std::stable_sort(nouns.synsets_.begin(), nouns.synsets_.end(),
                         [](const Synset& a, const Synset& b) { return a.offset < b.offset; });
        for (size_t i = 1; i < nouns.synsets_.size(); ++i) {
            if (nouns.synsets_[i - 1].offset == nouns.synsets_[i].offset) {
                return fail(ErrorCode::Parse, nouns.file_.string() + ": line " +
                                                  std::to_string(nouns.synsets_[i].line) +
                                                  ": synset " +
                                                  format_wnid(nouns.synsets_[i].offset) +
                                                  " was already defined on line " +
                                                  std::to_string(nouns.synsets_[i - 1].line));
            }
        }
    }
    if (nouns.synsets_.empty()) {
        return fail(ErrorCode::Parse, nouns.file_.string() + " holds no synsets");
    }
    progress.set_done(static_cast<int64_t>(all.size()));
    progress.finish();
    return nouns;
}

std::optional<size_t> WordNetNouns::find(uint32_t offset) const {
    const auto it =
        std::lower_bound(synsets_.begin(), synsets_.end(), offset,
                         [](const Synset& s, uint32_t value) { return s.offset < value; });
    if (it == synsets_.end() || it->offset != offset) {
        return std::nullopt;
    }
    return static_cast<size_t>(it - synsets_.begin());
}

std::vector<uint32_t> WordNetNouns::hypernyms(size_t i) const {
    const Synset& s = synsets_[i];
    return {hypernyms_.begin() + s.hypernym_begin, hypernyms_.begin() + s.hypernym_end};
}

WordNetSynsetText WordNetNouns::text(size_t i) const {
    const Synset& s = synsets_[i];
    const std::string_view line =
        std::string_view(text_).substr(s.text_begin, s.text_end - s.text_begin);
    // The line was validated on load, so the fields are where the format says.
    Fields f(line);
    uint32_t count = 0;
    parse_number(f.next(), 16, 2, count);
    WordNetSynsetText out;
    for (uint32_t w = 0; w < count; ++w) {
        std::string lemma(f.next());
        std::replace(lemma.begin(), lemma.end(), '_', ' ');
        out.lemmas.push_back(std::move(lemma));
        f.next();  // lex_id
    }
    parse_number(f.next(), 10, 3, count);
    for (uint32_t p = 0; p < count * 4; ++p) {
        f.next();
    }
    f.next();  // "|"
    out.gloss = std::string(trim_view(f.rest()));
    return out;
}

}  // namespace taxoscope::core
