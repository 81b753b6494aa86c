#include "core/taxonomy/neighbourhood.h"

#include <algorithm>
#include <set>

namespace taxoscope::core {

Neighbourhood neighbourhood(const Taxonomy& taxonomy, int focus,
                            const NeighbourhoodLimits& limits) {
    Neighbourhood out;
    if (focus < 0 || focus >= taxonomy.node_count()) {
        return out;
    }
    out.focus = focus;
    std::set<int> nodes{focus};
    for (const std::vector<int>& path : taxonomy.paths_to_root(focus, limits.max_paths)) {
        nodes.insert(path.begin(), path.end());
    }
    const std::vector<int>& children = taxonomy.children(focus);
    const size_t shown_children = std::min(children.size(), limits.max_children);
    nodes.insert(children.begin(), children.begin() + static_cast<std::ptrdiff_t>(shown_children));
    out.hidden_children = children.size() - shown_children;

    // A sibling under two of the focus's parents is one sibling.
    std::set<int> siblings;
    for (int parent : taxonomy.parents(focus)) {
        for (int sibling : taxonomy.children(parent)) {
            if (nodes.count(sibling) == 0) {
                siblings.insert(sibling);
            }
        }
    }
    size_t siblings_shown = 0;
    for (int sibling : siblings) {
        if (siblings_shown == limits.max_siblings) {
            break;
        }
        nodes.insert(sibling);
        ++siblings_shown;
    }
    out.hidden_siblings = siblings.size() - siblings_shown;
    out.nodes.assign(nodes.begin(), nodes.end());
    // Every taxonomy edge between two shown nodes, so the drawing shows the DAG as it is.
    for (int child : out.nodes) {
        for (int parent : taxonomy.parents(child)) {
            if (nodes.count(parent) != 0) {
                out.edges.emplace_back(parent, child);
            }
        }
    }
    std::sort(out.edges.begin(), out.edges.end());
    return out;
}

}  // namespace taxoscope::core
