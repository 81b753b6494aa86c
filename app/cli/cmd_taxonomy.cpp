// `taxoscope-cli taxonomy`: build a taxonomy (WordNet class set, custom TSV or taxonomy.json) and
// query it: statistics, LCH of classes, paths to the root, search; optionally save taxonomy.json.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/comma_list.h"
#include "app/cli/command.h"
#include "core/taxonomy/class_list.h"
#include "core/taxonomy/custom_taxonomy.h"
#include "core/taxonomy/taxonomy_json.h"
#include "core/taxonomy/wordnet_taxonomy.h"

namespace taxoscope::cli {
namespace {

using nlohmann::json;

json node_json(const core::Taxonomy& t, int v) {
    return {
        {"index", v},          {"id", t.node(v).id},    {"name", t.node(v).name},
        {"depth", t.depth(v)}, {"height", t.height(v)}, {"classes", t.classes_under(v).count()}};
}

class TaxonomyCommand final : public Command {
  public:
    std::string name() const override { return "taxonomy"; }
    std::string summary() const override {
        return "Build a class taxonomy (WordNet 3.0 or custom) and query it: stats, LCH, paths, "
               "search";
    }

    void add_options(CLI::App& sub) override {
        auto* classes = sub.add_option("--classes", classes_,
                                       "WordNet class set: imagenet1k, fashion-mnist, or a file of "
                                       "wnids (one per line, or a TSV with a wnid column)");
        auto* custom = sub.add_option("--custom", custom_,
                                      "custom taxonomy TSV ([classes], [edges], [names] sections)");
        auto* load = sub.add_option("--load", load_, "a saved taxonomy.json");
        classes->excludes(custom)->excludes(load);
        custom->excludes(load);
        sub.add_option("--wordnet", wordnet_,
                       "WordNet 3.0 folder holding data.noun (default: $TAXOSCOPE_WORDNET or "
                       "/usr/share/wordnet)");
        sub.add_flag("--stats", stats_,
                     "node and class counts, nodes with several parents, max depth (the default)");
        sub.add_option("--lch", lch_,
                       "LCH of classes given as wnids or class names, comma-separated");
        sub.add_option("--path", path_, "paths from a node (id) or class (id or name) to the root");
        sub.add_option("--search", search_, "nodes whose id, name or lemma contains TEXT");
        sub.add_flag("--json", json_, "print one JSON object instead of text");
        sub.add_option("--save", save_, "write the taxonomy as taxonomy.json to this file");
    }

    int run(CliContext& context) override {
        auto taxonomy = build(context);
        if (!taxonomy) {
            return context.report(taxonomy.error());
        }
        const core::Taxonomy& t = *taxonomy;
        json out = json::object();
        const bool any_query = !lch_.empty() || !path_.empty() || !search_.empty();
        if (stats_ || !any_query) {
            print_stats(t, out);
        }
        if (!lch_.empty()) {
            if (const int rc = print_lch(context, t, out); rc != 0) {
                return rc;
            }
        }
        if (!path_.empty()) {
            if (const int rc = print_paths(context, t, out); rc != 0) {
                return rc;
            }
        }
        if (!search_.empty()) {
            print_search(t, out);
        }
        if (!save_.empty()) {
            if (auto saved = core::save_taxonomy_json(t, save_); !saved) {
                return context.report(saved.error());
            }
            if (!json_) {
                std::cout << "saved " << save_ << '\n';
            }
        }
        if (json_) {
            std::cout << out.dump(2) << '\n';
        }
        return 0;
    }

  private:
    core::Result<core::Taxonomy> build(CliContext& context) const {
        if (!custom_.empty()) {
            return core::read_custom_taxonomy(custom_);
        }
        if (!load_.empty()) {
            return core::load_taxonomy_json(load_);
        }
        if (classes_.empty()) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "say which taxonomy: --classes imagenet1k|fashion-mnist|FILE, "
                              "--custom FILE or --load taxonomy.json");
        }
        auto list = core::resolve_class_list(classes_);
        if (!list) {
            return core::fail(list.error());
        }
        auto progress = context.make_progress();
        return core::build_wordnet_taxonomy(
            *list, wordnet_.empty() ? core::wordnet_dir() : std::filesystem::path(wordnet_),
            *progress, context.cancel());
    }

    void print_stats(const core::Taxonomy& t, json& out) const {
        const core::TaxonomyStats s = t.stats();
        if (json_) {
            out["stats"] = {{"source", t.origin().source},
                            {"class_set", t.origin().class_set},
                            {"nodes", s.nodes},
                            {"classes", s.classes},
                            {"edges", s.edges},
                            {"multi_parent_nodes", s.multi_parent_nodes},
                            {"extra_class_leaves", s.extra_class_leaves},
                            {"nontrivial_nodes", s.nontrivial_nodes},
                            {"max_depth", s.max_depth}};
            return;
        }
        std::cout << "taxonomy            " << t.origin().source << " / " << t.origin().class_set
                  << '\n'
                  << "nodes               " << s.nodes << " (" << s.nodes - s.extra_class_leaves
                  << " from the source + " << s.extra_class_leaves << " extra class leaves)\n"
                  << "classes             " << s.classes << '\n'
                  << "edges               " << s.edges << '\n'
                  << "several parents     " << s.multi_parent_nodes << " nodes\n"
                  << "max depth           " << s.max_depth << '\n'
                  << "non-trivial nodes   " << s.nontrivial_nodes << '\n';
    }

    int print_lch(CliContext& context, const core::Taxonomy& t, json& out) const {
        std::vector<int> classes;
        for (const std::string& item : split_commas(lch_)) {
            const auto c = t.find_class(item);
            if (!c) {
                return context.report({core::ErrorCode::NotFound,
                                       "--lch: '" + item +
                                           "' is not a class of this taxonomy (give a wnid or a "
                                           "unique class name)"});
            }
            classes.push_back(*c);
        }
        if (classes.empty()) {
            return context.report(
                {core::ErrorCode::InvalidArgument, "--lch needs at least one class"});
        }
        const int v = t.lch(classes);
        if (json_) {
            out["lch"] = node_json(t, v);
            return 0;
        }
        std::cout << "LCH  " << t.node(v).id << "  " << t.node(v).name << "  depth " << t.depth(v)
                  << "  height " << t.height(v) << "  (" << t.classes_under(v).count()
                  << " classes under it)\n";
        return 0;
    }

    int print_paths(CliContext& context, const core::Taxonomy& t, json& out) const {
        auto v = t.find(path_);
        if (!v) {
            if (const auto c = t.find_class(path_)) {
                v = t.class_leaf(*c);
            }
        }
        if (!v) {
            return context.report(
                {core::ErrorCode::NotFound, "--path: '" + path_ +
                                                "' is neither a node nor a class of "
                                                "this taxonomy"});
        }
        json paths = json::array();
        for (const auto& path : t.paths_to_root(*v)) {
            json jp = json::array();
            std::string line;
            for (auto it = path.rbegin(); it != path.rend(); ++it) {
                jp.push_back(node_json(t, *it));
                line += (line.empty() ? "" : " > ") + t.node(*it).id + " " + t.node(*it).name;
            }
            paths.push_back(std::move(jp));
            if (!json_) {
                std::cout << "path " << paths.size() << ": " << line << '\n';
            }
        }
        out["paths"] = std::move(paths);
        return 0;
    }

    void print_search(const core::Taxonomy& t, json& out) const {
        json hits = json::array();
        for (int v : t.search(search_)) {
            hits.push_back(node_json(t, v));
            if (!json_) {
                std::cout << t.node(v).id << '\t' << t.node(v).name << "\tdepth " << t.depth(v)
                          << "\theight " << t.height(v) << "\tclasses "
                          << t.classes_under(v).count() << '\n';
            }
        }
        out["search"] = std::move(hits);
    }

    std::string classes_;
    std::string custom_;
    std::string load_;
    std::string wordnet_;
    bool stats_ = false;
    std::string lch_;
    std::string path_;
    std::string search_;
    bool json_ = false;
    std::string save_;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(TaxonomyCommand)

}  // namespace taxoscope::cli
