#include "core/taxonomy/taxonomy.h"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "core/taxonomy/text_lines.h"

namespace taxoscope::core {
namespace {

bool contains_lowercase(std::string_view haystack, const std::string& needle_lower) {
    return ascii_lower(haystack).find(needle_lower) != std::string::npos;
}

}  // namespace

std::string_view to_string(NodeKind kind) {
    switch (kind) {
        case NodeKind::Synset:
            return "synset";
        case NodeKind::ClassLeaf:
            return "class-leaf";
        case NodeKind::Custom:
            return "custom";
        case NodeKind::Root:
            return "root";
    }
    return "synset";
}

std::optional<NodeKind> node_kind_from_string(std::string_view text) {
    for (NodeKind kind :
         {NodeKind::Synset, NodeKind::ClassLeaf, NodeKind::Custom, NodeKind::Root}) {
        if (to_string(kind) == text) {
            return kind;
        }
    }
    return std::nullopt;
}

size_t Taxonomy::check(int v) const {
    assert(v >= 0 && v < node_count());
    return static_cast<size_t>(v);
}

size_t Taxonomy::check_class(int c) const {
    assert(c >= 0 && c < class_count());
    return static_cast<size_t>(c);
}

Result<Taxonomy> Taxonomy::from_ordered(std::vector<TaxonomyNode> nodes,
                                        std::vector<std::vector<int>> parents,
                                        std::vector<TaxonomyClass> classes, TaxonomyOrigin origin) {
    const int V = static_cast<int>(nodes.size());
    if (V == 0) {
        return fail(ErrorCode::InvalidArgument, "a taxonomy needs at least one node");
    }
    if (parents.size() != nodes.size()) {
        return fail(ErrorCode::InvalidArgument, "parent lists and nodes differ in number");
    }
    if (classes.empty()) {
        return fail(ErrorCode::InvalidArgument, "a taxonomy needs at least one class");
    }

    Taxonomy t;
    t.origin_ = std::move(origin);
    t.by_id_.reserve(nodes.size() * 2);
    for (int v = 0; v < V; ++v) {
        const auto [it, inserted] = t.by_id_.emplace(nodes[static_cast<size_t>(v)].id, v);
        if (!inserted) {
            return fail(ErrorCode::InvalidArgument,
                        "node id '" + it->first + "' appears twice (nodes " +
                            std::to_string(it->second) + " and " + std::to_string(v) + ")");
        }
    }

    t.depth_.assign(static_cast<size_t>(V), 0);
    t.children_.assign(static_cast<size_t>(V), {});
    for (int v = 0; v < V; ++v) {
        auto& ps = parents[static_cast<size_t>(v)];
        const std::string& id = nodes[static_cast<size_t>(v)].id;
        if (v == 0 && !ps.empty()) {
            return fail(ErrorCode::InvalidArgument, "the root (node 0, '" + id + "') has parents");
        }
        if (v > 0 && ps.empty()) {
            return fail(ErrorCode::InvalidArgument,
                        "node " + std::to_string(v) + " ('" + id +
                            "') has no parent; only the root (node 0) may");
        }
        std::sort(ps.begin(), ps.end());
        for (size_t i = 0; i < ps.size(); ++i) {
            const int p = ps[i];
            if (p < 0 || p >= v) {
                return fail(ErrorCode::InvalidArgument,
                            "node " + std::to_string(v) + " ('" + id + "') has parent index " +
                                std::to_string(p) + ", which does not come before it");
            }
            if (i > 0 && ps[i - 1] == p) {
                return fail(ErrorCode::InvalidArgument, "node " + std::to_string(v) + " ('" + id +
                                                            "') lists parent " + std::to_string(p) +
                                                            " twice");
            }
            t.depth_[static_cast<size_t>(v)] =
                std::max(t.depth_[static_cast<size_t>(v)], t.depth_[static_cast<size_t>(p)] + 1);
            t.children_[static_cast<size_t>(p)].push_back(v);
        }
        if (v > 0) {
            const auto& prev = nodes[static_cast<size_t>(v - 1)].id;
            const int prev_depth = t.depth_[static_cast<size_t>(v - 1)];
            const int depth = t.depth_[static_cast<size_t>(v)];
            if (prev_depth > depth || (prev_depth == depth && !(prev < id))) {
                return fail(ErrorCode::InvalidArgument,
                            "nodes are not in (depth, id) order at node " + std::to_string(v) +
                                " ('" + id + "')");
            }
        }
    }

    const int C = static_cast<int>(classes.size());
    t.leaf_class_.assign(static_cast<size_t>(V), -1);
    for (int c = 0; c < C; ++c) {
        const int leaf = classes[static_cast<size_t>(c)].leaf;
        if (leaf < 0 || leaf >= V) {
            return fail(ErrorCode::InvalidArgument, "class " + std::to_string(c) + " ('" +
                                                        classes[static_cast<size_t>(c)].id +
                                                        "') has no valid leaf node");
        }
        if (!t.children_[static_cast<size_t>(leaf)].empty()) {
            return fail(ErrorCode::InvalidArgument,
                        "class " + std::to_string(c) + " ('" + classes[static_cast<size_t>(c)].id +
                            "') sits on node '" + nodes[static_cast<size_t>(leaf)].id +
                            "', which has children");
        }
        if (t.leaf_class_[static_cast<size_t>(leaf)] != -1) {
            return fail(ErrorCode::InvalidArgument,
                        "classes " + std::to_string(t.leaf_class_[static_cast<size_t>(leaf)]) +
                            " and " + std::to_string(c) + " share the leaf '" +
                            nodes[static_cast<size_t>(leaf)].id + "'");
        }
        t.leaf_class_[static_cast<size_t>(leaf)] = c;
    }

    t.height_.assign(static_cast<size_t>(V), 0);
    t.classes_under_.assign(static_cast<size_t>(V), Bitset(C));
    for (int v = V - 1; v >= 0; --v) {
        const auto sv = static_cast<size_t>(v);
        if (t.children_[sv].empty()) {
            if (t.leaf_class_[sv] < 0) {
                return fail(ErrorCode::InvalidArgument,
                            "node '" + nodes[sv].id + "' is a leaf but no class is on it");
            }
            t.classes_under_[sv].set(t.leaf_class_[sv]);
            continue;
        }
        for (int child : t.children_[sv]) {
            const auto sc = static_cast<size_t>(child);
            t.height_[sv] = std::max(t.height_[sv], t.height_[sc] + 1);
            t.classes_under_[sv] |= t.classes_under_[sc];
        }
    }

    t.ancestor_words_ = Bitset::word_count(V);
    const auto words = static_cast<size_t>(t.ancestor_words_);
    t.ancestors_.assign(static_cast<size_t>(V) * words, 0);
    for (int v = 0; v < V; ++v) {
        uint64_t* row = &t.ancestors_[static_cast<size_t>(v) * words];
        row[v >> 6] |= uint64_t{1} << (v & 63);
        for (int p : parents[static_cast<size_t>(v)]) {
            const uint64_t* prow = &t.ancestors_[static_cast<size_t>(p) * words];
            for (size_t w = 0; w < words; ++w) {
                row[w] |= prow[w];
            }
        }
    }

    t.depth_begin_.assign(static_cast<size_t>(t.depth_.back()) + 2, V);
    for (int v = V - 1; v >= 0; --v) {
        t.depth_begin_[static_cast<size_t>(t.depth_[static_cast<size_t>(v)])] = v;
    }

    t.nontrivial_.assign(static_cast<size_t>(V), 0);
    for (int v = 0; v < V; ++v) {
        t.nontrivial_[static_cast<size_t>(v)] =
            t.classes_under_[static_cast<size_t>(v)] != t.classes_under_[0] ? 1 : 0;
    }

    t.nodes_ = std::move(nodes);
    t.parents_ = std::move(parents);
    t.classes_ = std::move(classes);
    return t;
}

bool Taxonomy::is_ancestor_or_self(int a, int v) const {
    check(a);
    const uint64_t* row = &ancestors_[check(v) * static_cast<size_t>(ancestor_words_)];
    return (row[a >> 6] >> (a & 63)) & 1u;
}

std::vector<int> Taxonomy::ancestors_or_self(int v) const {
    std::vector<int> out;
    const uint64_t* row = &ancestors_[check(v) * static_cast<size_t>(ancestor_words_)];
    for (int w = 0; w < ancestor_words_; ++w) {
        uint64_t bits = row[w];
        while (bits != 0) {
            out.push_back(w * 64 + __builtin_ctzll(bits));
            bits &= bits - 1;
        }
    }
    return out;
}

std::vector<int> Taxonomy::nontrivial_nodes() const {
    std::vector<int> out;
    for (int v = 0; v < node_count(); ++v) {
        if (nontrivial_[static_cast<size_t>(v)] != 0) {
            out.push_back(v);
        }
    }
    return out;
}

std::optional<int> Taxonomy::find(std::string_view id) const {
    const auto it = by_id_.find(std::string(id));
    if (it == by_id_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<int> Taxonomy::find_class(std::string_view id_or_name) const {
    for (int c = 0; c < class_count(); ++c) {
        if (classes_[static_cast<size_t>(c)].id == id_or_name) {
            return c;
        }
    }
    const std::string wanted = ascii_lower(id_or_name);
    std::optional<int> found;
    for (int c = 0; c < class_count(); ++c) {
        if (ascii_lower(classes_[static_cast<size_t>(c)].name) == wanted) {
            if (found) {
                return std::nullopt;  // ambiguous
            }
            found = c;
        }
    }
    return found;
}

int Taxonomy::lch(const int* class_indices, size_t count) const {
    if (count == 0) {
        return -1;
    }
    const auto words = static_cast<size_t>(ancestor_words_);
    // Common ancestors = AND of the leaves' ancestor rows; small taxonomies stay on the stack.
    uint64_t stack_buffer[64];
    std::vector<uint64_t> heap_buffer;
    uint64_t* acc = stack_buffer;
    if (words > 64) {
        heap_buffer.resize(words);
        acc = heap_buffer.data();
    }
    const auto row_of = [&](int c) {
        return &ancestors_[static_cast<size_t>(classes_[check_class(c)].leaf) * words];
    };
    std::copy_n(row_of(class_indices[0]), words, acc);
    for (size_t i = 1; i < count; ++i) {
        const uint64_t* row = row_of(class_indices[i]);
        for (size_t w = 0; w < words; ++w) {
            acc[w] &= row[w];
        }
    }
    // Nodes are in (depth, id) order: the highest set index has the greatest depth, and the
    // lowest set index at that depth has the smallest id.
    size_t top = words;
    while (top > 0 && acc[top - 1] == 0) {
        --top;
    }
    assert(top > 0);  // the root is everyone's ancestor
    const int highest = static_cast<int>((top - 1) * 64) + 63 - __builtin_clzll(acc[top - 1]);
    const int begin = depth_begin_[static_cast<size_t>(depth_[static_cast<size_t>(highest)])];
    for (size_t w = static_cast<size_t>(begin) >> 6; w < top; ++w) {
        uint64_t bits = acc[w];
        if (w == static_cast<size_t>(begin) >> 6) {
            bits &= ~uint64_t{0} << (begin & 63);
        }
        if (bits != 0) {
            return static_cast<int>(w * 64) + __builtin_ctzll(bits);
        }
    }
    return highest;
}

int Taxonomy::robust_lch(const std::vector<ClassMass>& masses, double fraction) const {
    assert(fraction > 0.0 && fraction <= 1.0);
    double total = 0.0;
    for (const ClassMass& m : masses) {
        check_class(m.class_index);
        if (m.mass > 0.0) {
            total += m.mass;
        }
    }
    if (!(total > 0.0)) {
        return -1;
    }
    std::vector<double> node_mass(static_cast<size_t>(node_count()), 0.0);
    const auto words = static_cast<size_t>(ancestor_words_);
    for (const ClassMass& m : masses) {
        if (!(m.mass > 0.0)) {
            continue;
        }
        // Each ancestor once per class: a class reached by two paths still counts once.
        const uint64_t* row =
            &ancestors_[static_cast<size_t>(classes_[static_cast<size_t>(m.class_index)].leaf) *
                        words];
        for (size_t w = 0; w < words; ++w) {
            uint64_t bits = row[w];
            while (bits != 0) {
                node_mass[w * 64 + static_cast<size_t>(__builtin_ctzll(bits))] += m.mass;
                bits &= bits - 1;
            }
        }
    }
    // A relative tolerance so that e.g. 4 of 5 equal masses meets 0.8 despite rounding.
    const double threshold = fraction * total * (1.0 - 1e-12);
    int deepest = 0;
    for (int v = node_count() - 1; v >= 0; --v) {
        if (node_mass[static_cast<size_t>(v)] >= threshold) {
            deepest = v;
            break;
        }
    }
    const int begin = depth_begin_[static_cast<size_t>(depth_[static_cast<size_t>(deepest)])];
    for (int v = begin; v < deepest; ++v) {
        if (node_mass[static_cast<size_t>(v)] >= threshold) {
            return v;
        }
    }
    return deepest;
}

std::vector<std::vector<int>> Taxonomy::paths_to_root(int v, size_t max_paths) const {
    std::vector<std::vector<int>> paths;
    std::vector<int> path{v};
    check(v);
    // Depth-first over parents in ascending order gives lexicographic order.
    struct Frame {
        int node;
        size_t next_parent;
    };
    std::vector<Frame> stack{{v, 0}};
    while (!stack.empty() && paths.size() < max_paths) {
        Frame& top = stack.back();
        const auto& ps = parents_[static_cast<size_t>(top.node)];
        if (ps.empty()) {
            paths.push_back(path);
            stack.pop_back();
            path.pop_back();
            continue;
        }
        if (top.next_parent == ps.size()) {
            stack.pop_back();
            path.pop_back();
            continue;
        }
        const int p = ps[top.next_parent++];
        path.push_back(p);
        stack.push_back({p, 0});
    }
    return paths;
}

std::vector<int> Taxonomy::search(std::string_view text, size_t limit) const {
    const std::string needle = ascii_lower(text);
    std::vector<int> out;
    for (int v = 0; v < node_count() && out.size() < limit; ++v) {
        const TaxonomyNode& n = nodes_[static_cast<size_t>(v)];
        bool hit = contains_lowercase(n.id, needle) || contains_lowercase(n.name, needle);
        for (size_t i = 0; !hit && i < n.lemmas.size(); ++i) {
            hit = contains_lowercase(n.lemmas[i], needle);
        }
        if (hit) {
            out.push_back(v);
        }
    }
    return out;
}

Taxonomy Taxonomy::subtree(int v) const {
    check(v);
    std::vector<int> members;  // old indices, ascending = parents first
    for (int u = v; u < node_count(); ++u) {
        if (is_ancestor_or_self(v, u)) {
            members.push_back(u);
        }
    }
    std::vector<int> local(static_cast<size_t>(node_count()), -1);
    for (size_t i = 0; i < members.size(); ++i) {
        local[static_cast<size_t>(members[i])] = static_cast<int>(i);
    }
    std::vector<int> depth(members.size(), 0);
    for (size_t i = 1; i < members.size(); ++i) {
        for (int p : parents_[static_cast<size_t>(members[i])]) {
            if (local[static_cast<size_t>(p)] >= 0) {
                depth[i] = std::max(depth[i],
                                    depth[static_cast<size_t>(local[static_cast<size_t>(p)])] + 1);
            }
        }
    }
    std::vector<size_t> order(members.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (depth[a] != depth[b]) {
            return depth[a] < depth[b];
        }
        return nodes_[static_cast<size_t>(members[a])].id <
               nodes_[static_cast<size_t>(members[b])].id;
    });
    std::vector<int> new_index(static_cast<size_t>(node_count()), -1);
    for (size_t i = 0; i < order.size(); ++i) {
        new_index[static_cast<size_t>(members[order[i]])] = static_cast<int>(i);
    }
    std::vector<TaxonomyNode> nodes;
    std::vector<std::vector<int>> parents;
    for (size_t i : order) {
        const int old = members[i];
        nodes.push_back(nodes_[static_cast<size_t>(old)]);
        std::vector<int> ps;
        for (int p : parents_[static_cast<size_t>(old)]) {
            if (new_index[static_cast<size_t>(p)] >= 0) {
                ps.push_back(new_index[static_cast<size_t>(p)]);
            }
        }
        parents.push_back(std::move(ps));
    }
    std::vector<TaxonomyClass> classes;
    classes_under(v).for_each([&](int c) {
        TaxonomyClass cls = classes_[static_cast<size_t>(c)];
        cls.leaf = new_index[static_cast<size_t>(cls.leaf)];
        classes.push_back(std::move(cls));
    });
    TaxonomyOrigin origin = origin_;
    origin.class_set += " under " + nodes_[static_cast<size_t>(v)].id;
    auto sub = from_ordered(std::move(nodes), std::move(parents), std::move(classes), origin);
    assert(sub.has_value());  // a subtree of a valid taxonomy is valid
    return std::move(*sub);
}

TaxonomyStats Taxonomy::stats() const {
    TaxonomyStats s;
    s.nodes = node_count();
    s.classes = class_count();
    s.max_depth = max_depth();
    for (int v = 0; v < node_count(); ++v) {
        const auto sv = static_cast<size_t>(v);
        s.edges += static_cast<int>(parents_[sv].size());
        s.multi_parent_nodes += parents_[sv].size() > 1 ? 1 : 0;
        s.extra_class_leaves += nodes_[sv].kind == NodeKind::ClassLeaf ? 1 : 0;
        s.nontrivial_nodes += nontrivial_[sv];
    }
    return s;
}

}  // namespace taxoscope::core
