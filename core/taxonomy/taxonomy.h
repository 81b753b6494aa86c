// The taxonomy: a DAG (hypernym edges) restricted to a class set and all its ancestors, with one
// leaf per class. An immutable value; every query is by index.
//
// Node indices 0..V-1 are ordered by (depth, id): the root is 0, every parent comes before its
// children, and within one depth ids ascend. The order is deterministic for a given graph, so
// analysis files can store node indices. Definitions and formulas: docs/taxonomy.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/taxonomy/bitset.h"
#include "core/util/error.h"

namespace taxoscope::core {

enum class NodeKind : uint8_t {
    Synset,     // a WordNet noun synset; id = wnid ("n" + 8-digit offset)
    ClassLeaf,  // the extra leaf of a class whose synset is an ancestor of another class;
                // id = "<class id>#class"
    Custom,     // a node of a custom (non-WordNet) taxonomy
    Root,       // the synthetic root "#root", added only when the graph has several roots
};

std::string_view to_string(NodeKind kind);
std::optional<NodeKind> node_kind_from_string(std::string_view text);

struct TaxonomyNode {
    std::string id;
    std::string name;  // display name: the first lemma (WordNet) or the given name
    std::vector<std::string> lemmas;
    std::string gloss;
    NodeKind kind = NodeKind::Synset;
};

struct TaxonomyClass {
    std::string id;    // wnid (or custom node id) the class was declared with
    std::string name;  // the class list's name, else the node's display name
    int leaf = -1;     // node index of the class's leaf
};

// Mass of one class, for robust_lch (e.g. the summed activation of a feature's top-k images of
// that class).
struct ClassMass {
    int class_index = -1;
    double mass = 0.0;
};

struct TaxonomyStats {
    int nodes = 0;
    int classes = 0;
    int multi_parent_nodes = 0;  // nodes with more than one parent
    int extra_class_leaves = 0;  // NodeKind::ClassLeaf nodes
    int nontrivial_nodes = 0;
    int max_depth = 0;
    int edges = 0;
};

// What the taxonomy was built from; kept in taxonomy.json.
struct TaxonomyOrigin {
    std::string source;     // "wordnet-3.0" or "custom"
    std::string class_set;  // "imagenet1k", "fashion-mnist", or the class-list / TSV file name
};

class Taxonomy {
  public:
    // Nodes in (depth, id) order with parents by index, and the classes' leaves. Computes the
    // rest and checks every invariant (one root at 0, parents before children, the (depth, id)
    // order, unique ids, class leaves without children, every leaf a class); errors name the
    // offending node. Builders and the taxonomy.json reader both end here.
    static Result<Taxonomy> from_ordered(std::vector<TaxonomyNode> nodes,
                                         std::vector<std::vector<int>> parents,
                                         std::vector<TaxonomyClass> classes, TaxonomyOrigin origin);

    int node_count() const { return static_cast<int>(nodes_.size()); }
    int class_count() const { return static_cast<int>(classes_.size()); }
    int root() const { return 0; }
    const TaxonomyOrigin& origin() const { return origin_; }

    const TaxonomyNode& node(int v) const { return nodes_[check(v)]; }
    const std::vector<int>& parents(int v) const { return parents_[check(v)]; }    // ascending
    const std::vector<int>& children(int v) const { return children_[check(v)]; }  // ascending
    int depth(int v) const { return depth_[check(v)]; }    // longest path from the root
    int height(int v) const { return height_[check(v)]; }  // longest path down to a class leaf
    int max_depth() const { return depth_.empty() ? 0 : depth_.back(); }
    // The classes whose leaf lies under v (v included), each once.
    const Bitset& classes_under(int v) const { return classes_under_[check(v)]; }
    // a is v or one of v's ancestors.
    bool is_ancestor_or_self(int a, int v) const;
    // v and all its ancestors, ascending.
    std::vector<int> ancestors_or_self(int v) const;

    const TaxonomyClass& class_info(int c) const { return classes_[check_class(c)]; }
    const std::vector<TaxonomyClass>& classes() const { return classes_; }
    int class_leaf(int c) const { return classes_[check_class(c)].leaf; }
    // The class whose leaf v is, or -1.
    int class_of_leaf(int v) const { return leaf_class_[check(v)]; }

    // A node's class set differs from the root's (so it separates some classes from others).
    bool is_nontrivial(int v) const { return nontrivial_[check(v)] != 0; }
    std::vector<int> nontrivial_nodes() const;

    std::optional<int> find(std::string_view id) const;
    // By class id (wnid) first, then by class name (case-insensitive, must be unique).
    std::optional<int> find_class(std::string_view id_or_name) const;

    // Lowest common hypernym: the deepest node whose classes include all given classes; ties go
    // to the smallest id. -1 for an empty list. Indices must be valid class indices.
    int lch(const int* class_indices, size_t count) const;
    int lch(const std::vector<int>& class_indices) const {
        return lch(class_indices.data(), class_indices.size());
    }
    // The deepest node holding at least `fraction` of the total mass (ties: smallest id). Entries
    // of one class add up; entries with mass <= 0 are ignored; -1 when no mass is positive.
    int robust_lch(const std::vector<ClassMass>& masses, double fraction = 0.8) const;

    // Every path from v up to the root (each starts with v, ends with 0), at most max_paths,
    // in lexicographic order of node indices.
    std::vector<std::vector<int>> paths_to_root(int v, size_t max_paths = 64) const;
    // Nodes whose id, name or a lemma contains `text` (ASCII case-insensitive), by index.
    std::vector<int> search(std::string_view text, size_t limit = SIZE_MAX) const;
    // The part of the taxonomy under v, with v as the root and the classes under v (in their
    // original order) as its classes.
    Taxonomy subtree(int v) const;

    TaxonomyStats stats() const;

  private:
    size_t check(int v) const;
    size_t check_class(int c) const;

    TaxonomyOrigin origin_;
    std::vector<TaxonomyNode> nodes_;
    std::vector<std::vector<int>> parents_;
    std::vector<std::vector<int>> children_;
    std::vector<int> depth_;
    std::vector<int> height_;
    std::vector<int> depth_begin_;  // first node index of each depth, plus V at the end
    std::vector<Bitset> classes_under_;
    std::vector<TaxonomyClass> classes_;
    std::vector<int> leaf_class_;
    std::vector<uint8_t> nontrivial_;
    // Row v: the ancestors of v (v included) as a bitset over nodes, `ancestor_words_` words.
    std::vector<uint64_t> ancestors_;
    int ancestor_words_ = 0;
    std::unordered_map<std::string, int> by_id_;
};

}  // namespace taxoscope::core
