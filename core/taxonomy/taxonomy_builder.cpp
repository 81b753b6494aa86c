#include "core/taxonomy/taxonomy_builder.h"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace taxoscope::core {

std::string class_leaf_id(const TaxonomyNode& node) {
    return node.id + kClassLeafSuffix;
}

std::string class_leaf_name(const TaxonomyNode& node) {
    return node.name + " (class)";
}

namespace {

struct ParentLink {
    int parent;
    int edge;  // index into spec.edges, for error messages
};

std::string describe_edge(const TaxonomySpec& spec, int edge) {
    const auto& e = spec.edges[static_cast<size_t>(edge)];
    std::string text = "'" + spec.nodes[static_cast<size_t>(e.child)].id + "' -> '" +
                       spec.nodes[static_cast<size_t>(e.parent)].id + "'";
    if (!e.origin.empty()) {
        text += " (" + e.origin + ")";
    }
    return text;
}

// Depth-first search along parent links from every class; a link back into the current path
// closes a cycle, and that link is one of the cycle's edges.
Result<std::vector<uint8_t>> closure_without_cycles(
    const TaxonomySpec& spec, const std::vector<std::vector<ParentLink>>& up) {
    enum : uint8_t { kUnseen = 0, kOnPath = 1, kDone = 2 };
    std::vector<uint8_t> state(spec.nodes.size(), kUnseen);
    struct Frame {
        int node;
        size_t next;
    };
    std::vector<Frame> stack;
    for (const auto& cls : spec.classes) {
        if (state[static_cast<size_t>(cls.node)] != kUnseen) {
            continue;
        }
        stack.push_back({cls.node, 0});
        state[static_cast<size_t>(cls.node)] = kOnPath;
        while (!stack.empty()) {
            Frame& top = stack.back();
            const auto& links = up[static_cast<size_t>(top.node)];
            if (top.next == links.size()) {
                state[static_cast<size_t>(top.node)] = kDone;
                stack.pop_back();
                continue;
            }
            const ParentLink link = links[top.next++];
            const auto p = static_cast<size_t>(link.parent);
            if (state[p] == kOnPath) {
                return fail(ErrorCode::Parse, "the taxonomy has a cycle through the edge " +
                                                  describe_edge(spec, link.edge) +
                                                  " (child -> parent)");
            }
            if (state[p] == kUnseen) {
                state[p] = kOnPath;
                stack.push_back({link.parent, 0});
            }
        }
    }
    std::vector<uint8_t> in_closure(spec.nodes.size(), 0);
    for (size_t v = 0; v < state.size(); ++v) {
        in_closure[v] = state[v] == kDone ? 1 : 0;
    }
    return in_closure;
}

}  // namespace

Result<Taxonomy> build_taxonomy(const TaxonomySpec& spec) {
    const size_t N = spec.nodes.size();
    if (spec.classes.empty()) {
        return fail(ErrorCode::InvalidArgument, "the class list is empty");
    }
    std::vector<int> class_on_node(N, -1);
    for (size_t c = 0; c < spec.classes.size(); ++c) {
        const int node = spec.classes[c].node;
        assert(node >= 0 && static_cast<size_t>(node) < N);
        int& slot = class_on_node[static_cast<size_t>(node)];
        if (slot >= 0) {
            return fail(ErrorCode::InvalidArgument,
                        "classes " + std::to_string(slot) + " and " + std::to_string(c) +
                            " are both '" + spec.nodes[static_cast<size_t>(node)].id + "'");
        }
        slot = static_cast<int>(c);
    }

    std::vector<std::vector<ParentLink>> up(N);
    for (size_t e = 0; e < spec.edges.size(); ++e) {
        const auto& edge = spec.edges[e];
        assert(edge.child >= 0 && static_cast<size_t>(edge.child) < N);
        assert(edge.parent >= 0 && static_cast<size_t>(edge.parent) < N);
        up[static_cast<size_t>(edge.child)].push_back({edge.parent, static_cast<int>(e)});
    }
    for (auto& links : up) {
        std::sort(links.begin(), links.end(), [](const ParentLink& a, const ParentLink& b) {
            return a.parent != b.parent ? a.parent < b.parent : a.edge < b.edge;
        });
        links.erase(std::unique(links.begin(), links.end(),
                                [](const ParentLink& a, const ParentLink& b) {
                                    return a.parent == b.parent;
                                }),
                    links.end());
    }

    auto closure = closure_without_cycles(spec, up);
    if (!closure) {
        return fail(closure.error());
    }
    const std::vector<uint8_t>& in_closure = *closure;

    // Working graph: the closure's nodes, then extra class leaves, then perhaps a synthetic root.
    std::vector<TaxonomyNode> nodes;
    std::vector<std::vector<int>> parents;
    std::vector<int> work_of(N, -1);
    for (size_t v = 0; v < N; ++v) {
        if (in_closure[v] != 0) {
            work_of[v] = static_cast<int>(nodes.size());
            nodes.push_back(spec.nodes[v]);
        }
    }
    parents.resize(nodes.size());
    std::vector<uint8_t> has_child(nodes.size(), 0);
    for (size_t v = 0; v < N; ++v) {
        if (work_of[v] < 0) {
            continue;
        }
        for (const ParentLink& link : up[v]) {
            const int p = work_of[static_cast<size_t>(link.parent)];
            parents[static_cast<size_t>(work_of[v])].push_back(p);
            has_child[static_cast<size_t>(p)] = 1;
        }
    }
    std::vector<int> class_leaf(spec.classes.size(), -1);
    for (size_t c = 0; c < spec.classes.size(); ++c) {
        const int w = work_of[static_cast<size_t>(spec.classes[c].node)];
        if (has_child[static_cast<size_t>(w)] == 0) {
            class_leaf[c] = w;
            continue;
        }
        // The class's synset is an ancestor of another class: its own images get their own leaf.
        TaxonomyNode leaf = nodes[static_cast<size_t>(w)];
        leaf.id = class_leaf_id(nodes[static_cast<size_t>(w)]);
        leaf.name = class_leaf_name(nodes[static_cast<size_t>(w)]);
        leaf.kind = NodeKind::ClassLeaf;
        class_leaf[c] = static_cast<int>(nodes.size());
        nodes.push_back(std::move(leaf));
        parents.push_back({w});
    }
    std::vector<int> roots;
    for (size_t w = 0; w < nodes.size(); ++w) {
        if (parents[w].empty()) {
            roots.push_back(static_cast<int>(w));
        }
    }
    if (roots.size() > 1) {
        TaxonomyNode root;
        root.id = kSyntheticRootId;
        root.name = "root";
        root.kind = NodeKind::Root;
        const int r = static_cast<int>(nodes.size());
        nodes.push_back(std::move(root));
        parents.emplace_back();
        for (int w : roots) {
            parents[static_cast<size_t>(w)].push_back(r);
        }
    }

    // Longest path from the root, in topological order (Kahn over child links).
    const size_t W = nodes.size();
    std::vector<std::vector<int>> down(W);
    std::vector<int> pending(W, 0);
    for (size_t w = 0; w < W; ++w) {
        pending[w] = static_cast<int>(parents[w].size());
        for (int p : parents[w]) {
            down[static_cast<size_t>(p)].push_back(static_cast<int>(w));
        }
    }
    std::vector<int> depth(W, 0);
    std::vector<int> queue;
    for (size_t w = 0; w < W; ++w) {
        if (pending[w] == 0) {
            queue.push_back(static_cast<int>(w));
        }
    }
    for (size_t head = 0; head < queue.size(); ++head) {
        const int u = queue[head];
        for (int child : down[static_cast<size_t>(u)]) {
            const auto sc = static_cast<size_t>(child);
            depth[sc] = std::max(depth[sc], depth[static_cast<size_t>(u)] + 1);
            if (--pending[sc] == 0) {
                queue.push_back(child);
            }
        }
    }
    assert(queue.size() == W);  // cycles were rejected above

    std::vector<int> order(W);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        const auto sa = static_cast<size_t>(a);
        const auto sb = static_cast<size_t>(b);
        return depth[sa] != depth[sb] ? depth[sa] < depth[sb] : nodes[sa].id < nodes[sb].id;
    });
    std::vector<int> final_index(W, -1);
    for (size_t i = 0; i < W; ++i) {
        final_index[static_cast<size_t>(order[i])] = static_cast<int>(i);
    }
    std::vector<TaxonomyNode> ordered_nodes;
    std::vector<std::vector<int>> ordered_parents;
    ordered_nodes.reserve(W);
    ordered_parents.reserve(W);
    for (int w : order) {
        ordered_nodes.push_back(std::move(nodes[static_cast<size_t>(w)]));
        std::vector<int> ps;
        for (int p : parents[static_cast<size_t>(w)]) {
            ps.push_back(final_index[static_cast<size_t>(p)]);
        }
        ordered_parents.push_back(std::move(ps));
    }
    std::vector<TaxonomyClass> classes;
    classes.reserve(spec.classes.size());
    for (size_t c = 0; c < spec.classes.size(); ++c) {
        TaxonomyClass cls;
        const auto& node = spec.nodes[static_cast<size_t>(spec.classes[c].node)];
        cls.id = node.id;
        cls.name = spec.classes[c].name.empty() ? node.name : spec.classes[c].name;
        cls.leaf = final_index[static_cast<size_t>(class_leaf[c])];
        classes.push_back(std::move(cls));
    }
    return Taxonomy::from_ordered(std::move(ordered_nodes), std::move(ordered_parents),
                                  std::move(classes), spec.origin);
}

}  // namespace taxoscope::core
