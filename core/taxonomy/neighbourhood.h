// The part of the taxonomy worth drawing around one node: every path up to the root, the
// node's children and its siblings, capped so a node under a wide parent stays readable.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "core/taxonomy/taxonomy.h"

namespace taxoscope::core {

struct NeighbourhoodLimits {
    size_t max_paths = 8;      // paths to the root (a node with several parents has several)
    size_t max_children = 24;  // children of the focus
    size_t max_siblings = 16;  // other children of the focus's parents, all parents together
};

struct Neighbourhood {
    int focus = -1;
    std::vector<int> nodes;                  // ascending node index (so parents come first)
    std::vector<std::pair<int, int>> edges;  // (parent, child), both in `nodes`
    size_t hidden_children = 0;              // children left out by the cap
    size_t hidden_siblings = 0;
};

Neighbourhood neighbourhood(const Taxonomy& taxonomy, int focus,
                            const NeighbourhoodLimits& limits = {});

}  // namespace taxoscope::core
