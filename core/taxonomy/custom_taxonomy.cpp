#include "core/taxonomy/custom_taxonomy.h"

#include <unordered_map>

#include "core/taxonomy/taxonomy_builder.h"
#include "core/taxonomy/text_lines.h"

namespace taxoscope::core {
namespace {

enum class Section { None, Classes, Edges, Names };

class CustomReader {
  public:
    explicit CustomReader(std::string origin) : origin_(std::move(origin)) {
        spec_.origin = {"custom", origin_};
    }

    Result<TaxonomySpec> read(std::string_view text) {
        for_each_line(text, [&](int line_no, std::string_view raw) {
            line_no_ = line_no;
            const std::string_view line = trim_view(raw);
            if (line.empty() || line[0] == '#') {
                return true;
            }
            if (line.front() == '[') {
                return enter(line);
            }
            const auto fields = split_tabs(line);
            switch (section_) {
                case Section::None:
                    return problem(
                        "expected a section header ([classes], [edges] or [names]) first");
                case Section::Classes:
                    return add_class(fields);
                case Section::Edges:
                    return add_edge(fields);
                case Section::Names:
                    return add_name(fields);
            }
            return true;
        });
        if (error_) {
            return fail(*error_);
        }
        if (spec_.classes.empty()) {
            return fail(ErrorCode::Parse, origin_ + " has no [classes] entries");
        }
        // Names may come before or after the nodes they name; check them once all are known.
        for (const auto& [id, named] : names_) {
            const auto it = index_.find(id);
            if (it == index_.end()) {
                return fail(ErrorCode::Parse, at(named.line) + "[names] names '" + id +
                                                  "', which is in no class or edge");
            }
            auto& node = spec_.nodes[static_cast<size_t>(it->second)];
            node.name = named.name;
            node.gloss = named.gloss;
        }
        std::vector<uint8_t> in_edge(spec_.nodes.size(), 0);
        for (const auto& e : spec_.edges) {
            in_edge[static_cast<size_t>(e.child)] = 1;
            in_edge[static_cast<size_t>(e.parent)] = 1;
        }
        for (size_t c = 0; c < spec_.classes.size(); ++c) {
            const int node = spec_.classes[c].node;
            if (in_edge[static_cast<size_t>(node)] == 0) {
                return fail(ErrorCode::Parse, at(class_lines_[c]) + "class '" +
                                                  spec_.nodes[static_cast<size_t>(node)].id +
                                                  "' appears in no edge");
            }
        }
        return std::move(spec_);
    }

  private:
    struct Named {
        std::string name;
        std::string gloss;
        int line;
    };

    std::string at(int line) const { return origin_ + " line " + std::to_string(line) + ": "; }

    bool problem(const std::string& what) {
        error_ = Error{ErrorCode::Parse, at(line_no_) + what};
        return false;
    }

    bool enter(std::string_view header) {
        const std::string h = ascii_lower(header);
        if (h == "[classes]") {
            section_ = Section::Classes;
        } else if (h == "[edges]") {
            section_ = Section::Edges;
        } else if (h == "[names]") {
            section_ = Section::Names;
        } else {
            return problem("unknown section " + std::string(header) +
                           " (expected [classes], [edges] or [names])");
        }
        return true;
    }

    std::optional<int> node(std::string_view id) {
        if (id.empty()) {
            problem("empty id");
            return std::nullopt;
        }
        if (id.find('#') != std::string_view::npos) {
            problem("id '" + std::string(id) + "' contains '#', which taxoscope reserves");
            return std::nullopt;
        }
        const auto [it, inserted] =
            index_.emplace(std::string(id), static_cast<int>(spec_.nodes.size()));
        if (inserted) {
            TaxonomyNode n;
            n.id = std::string(id);
            n.name = n.id;
            n.kind = NodeKind::Custom;
            spec_.nodes.push_back(std::move(n));
        }
        return it->second;
    }

    bool add_class(const std::vector<std::string_view>& fields) {
        if (fields.size() > 2) {
            return problem("expected <id>[<TAB><name>] in [classes]");
        }
        const auto n = node(fields[0]);
        if (!n) {
            return false;
        }
        for (size_t c = 0; c < spec_.classes.size(); ++c) {
            if (spec_.classes[c].node == *n) {
                return problem("class '" + std::string(fields[0]) + "' is already listed on line " +
                               std::to_string(class_lines_[c]));
            }
        }
        spec_.classes.push_back({*n, fields.size() > 1 ? std::string(fields[1]) : std::string()});
        class_lines_.push_back(line_no_);
        return true;
    }

    bool add_edge(const std::vector<std::string_view>& fields) {
        if (fields.size() != 2) {
            return problem("expected <child><TAB><parent> in [edges]");
        }
        const auto child = node(fields[0]);
        if (!child) {
            return false;
        }
        const auto parent = node(fields[1]);
        if (!parent) {
            return false;
        }
        spec_.edges.push_back({*child, *parent, origin_ + " line " + std::to_string(line_no_)});
        return true;
    }

    bool add_name(const std::vector<std::string_view>& fields) {
        if (fields.size() < 2 || fields.size() > 3 || fields[0].empty() || fields[1].empty()) {
            return problem("expected <id><TAB><name>[<TAB><description>] in [names]");
        }
        names_.push_back({std::string(fields[0]),
                          {std::string(fields[1]),
                           fields.size() > 2 ? std::string(fields[2]) : std::string(), line_no_}});
        return true;
    }

    std::string origin_;
    TaxonomySpec spec_;
    std::unordered_map<std::string, int> index_;
    std::vector<std::pair<std::string, Named>> names_;  // in file order
    std::vector<int> class_lines_;
    Section section_ = Section::None;
    int line_no_ = 0;
    std::optional<Error> error_;
};

}  // namespace

Result<Taxonomy> parse_custom_taxonomy(std::string_view text, const std::string& origin) {
    auto spec = CustomReader(origin).read(text);
    if (!spec) {
        return fail(spec.error());
    }
    return build_taxonomy(*spec);
}

Result<Taxonomy> read_custom_taxonomy(const std::filesystem::path& path) {
    auto text = read_text_file(path, "custom taxonomy");
    if (!text) {
        return fail(text.error());
    }
    return parse_custom_taxonomy(*text, path.string());
}

}  // namespace taxoscope::core
