// Turns any parent-edge graph plus a class list into a Taxonomy: keeps the classes and their
// ancestors, gives a class that is an ancestor of another class its own leaf, adds a synthetic
// root when several nodes lack a parent, rejects cycles, and orders nodes by (depth, id).
// WordNet and custom TSV taxonomies both come through here.
#pragma once

#include <string>
#include <vector>

#include "core/taxonomy/taxonomy.h"

namespace taxoscope::core {

// Reserved ids (never valid wnids).
inline constexpr const char* kSyntheticRootId = "#root";
inline constexpr const char* kClassLeafSuffix = "#class";

struct TaxonomySpec {
    struct Edge {
        int child = -1;      // index into nodes
        int parent = -1;     // index into nodes
        std::string origin;  // where the edge was declared ("custom.tsv line 12"), for errors
    };
    struct Class {
        int node = -1;     // index into nodes
        std::string name;  // empty: the node's name
    };
    std::vector<TaxonomyNode> nodes;  // may hold far more than the closure (all of WordNet)
    std::vector<Edge> edges;          // duplicates are ignored
    std::vector<Class> classes;       // class index = position; distinct nodes
    TaxonomyOrigin origin;
};

Result<Taxonomy> build_taxonomy(const TaxonomySpec& spec);

// Id ("n04197391#class") and display name ("shirt (class)") of the extra leaf of a class whose
// node is an ancestor of another class.
std::string class_leaf_id(const TaxonomyNode& node);
std::string class_leaf_name(const TaxonomyNode& node);

}  // namespace taxoscope::core
