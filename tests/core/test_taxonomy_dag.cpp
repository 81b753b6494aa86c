// Taxonomy construction and queries on random small DAGs, checked against brute force (fixed
// seeds), plus the taxonomy.json round trip and its refusals.
#include <QtTest>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "core/taxonomy/taxonomy_builder.h"
#include "core/taxonomy/taxonomy_json.h"
#include "core/taxonomy_compare.h"

using namespace taxoscope::core;
using taxoscope::test::expect_same_taxonomy;

namespace {

// A random DAG whose node 0 is the only root (every other node has parents of lower index), with
// random ids (so id order says nothing about structure) and random classes, some of them internal.
struct RandomDag {
    std::vector<std::string> ids;
    std::vector<std::vector<int>> parents;
    std::vector<int> class_nodes;

    TaxonomySpec spec() const {
        TaxonomySpec s;
        for (const auto& id : ids) {
            TaxonomyNode n;
            n.id = id;
            n.name = "name of " + id;
            n.lemmas = {id + " lemma"};
            n.gloss = "gloss of " + id;
            n.kind = NodeKind::Custom;
            s.nodes.push_back(n);
        }
        for (size_t v = 0; v < parents.size(); ++v) {
            for (int p : parents[v]) {
                s.edges.push_back({static_cast<int>(v), p, "edge " + std::to_string(v)});
            }
        }
        for (int n : class_nodes) {
            s.classes.push_back({n, ""});
        }
        s.origin = {"custom", "random"};
        return s;
    }
};

RandomDag make_dag(std::mt19937& rng) {
    RandomDag dag;
    const int n = std::uniform_int_distribution<int>(2, 30)(rng);
    std::set<std::string> used;
    while (static_cast<int>(dag.ids.size()) < n) {
        std::string id = "k" + std::to_string(std::uniform_int_distribution<int>(0, 999)(rng));
        if (used.insert(id).second) {
            dag.ids.push_back(id);
        }
    }
    dag.parents.resize(static_cast<size_t>(n));
    for (int v = 1; v < n; ++v) {
        const int k = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 2 + (v > 5) : 1;
        std::set<int> ps;
        for (int i = 0; i < k; ++i) {
            ps.insert(std::uniform_int_distribution<int>(0, v - 1)(rng));
        }
        dag.parents[static_cast<size_t>(v)].assign(ps.begin(), ps.end());
    }
    std::vector<int> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng);
    const int m = std::uniform_int_distribution<int>(1, std::max(1, n * 2 / 3))(rng);
    dag.class_nodes.assign(all.begin(), all.begin() + m);
    return dag;
}

// Straight from the definitions, with no shortcut the implementation uses.
struct BruteForce {
    const RandomDag& dag;
    std::vector<std::set<int>> ancestors;  // ancestors-or-self per spec node
    std::vector<int> depth;                // longest path from node 0
    std::set<int> closure;
    std::vector<std::set<int>> children;  // within the closure
    std::map<int, int> class_of_node;

    explicit BruteForce(const RandomDag& d) : dag(d) {
        const size_t n = d.ids.size();
        ancestors.resize(n);
        depth.assign(n, 0);
        for (size_t v = 0; v < n; ++v) {
            std::function<void(int)> climb = [&](int u) {
                if (ancestors[v].insert(u).second) {
                    for (int p : d.parents[static_cast<size_t>(u)]) {
                        climb(p);
                    }
                }
            };
            climb(static_cast<int>(v));
            std::function<int(int)> longest = [&](int u) {
                int best = 0;
                for (int p : d.parents[static_cast<size_t>(u)]) {
                    best = std::max(best, longest(p) + 1);
                }
                return best;
            };
            depth[v] = longest(static_cast<int>(v));
        }
        for (size_t c = 0; c < d.class_nodes.size(); ++c) {
            class_of_node[d.class_nodes[c]] = static_cast<int>(c);
            closure.insert(ancestors[static_cast<size_t>(d.class_nodes[c])].begin(),
                           ancestors[static_cast<size_t>(d.class_nodes[c])].end());
        }
        children.resize(n);
        for (int v : closure) {
            for (int p : d.parents[static_cast<size_t>(v)]) {
                children[static_cast<size_t>(p)].insert(v);
            }
        }
    }

    bool has_extra_leaf(int c) const {
        return !children[static_cast<size_t>(dag.class_nodes[static_cast<size_t>(c)])].empty();
    }

    std::set<int> classes_under(int v) const {
        std::set<int> out;
        for (size_t c = 0; c < dag.class_nodes.size(); ++c) {
            if (ancestors[static_cast<size_t>(dag.class_nodes[c])].count(v) != 0) {
                out.insert(static_cast<int>(c));
            }
        }
        return out;
    }

    int height(int v) const {
        int best = 0;
        for (int child : children[static_cast<size_t>(v)]) {
            best = std::max(best, height(child) + 1);
        }
        const auto cls = class_of_node.find(v);
        if (cls != class_of_node.end() && !children[static_cast<size_t>(v)].empty()) {
            best = std::max(best, 1);  // its extra class leaf
        }
        return best;
    }

    // Candidates: closure nodes plus extra leaves, as (depth, id, class set).
    struct Candidate {
        int depth;
        std::string id;
        std::set<int> classes;
    };
    std::vector<Candidate> candidates() const {
        std::vector<Candidate> out;
        for (int v : closure) {
            out.push_back(
                {depth[static_cast<size_t>(v)], dag.ids[static_cast<size_t>(v)], classes_under(v)});
        }
        for (size_t c = 0; c < dag.class_nodes.size(); ++c) {
            if (has_extra_leaf(static_cast<int>(c))) {
                const int n = dag.class_nodes[c];
                out.push_back({depth[static_cast<size_t>(n)] + 1,
                               dag.ids[static_cast<size_t>(n)] + "#class",
                               {static_cast<int>(c)}});
            }
        }
        return out;
    }

    static bool better(const Candidate& a, const Candidate* best) {
        return best == nullptr || a.depth > best->depth ||
               (a.depth == best->depth && a.id < best->id);
    }

    std::string lch(const std::vector<int>& classes) const {
        const auto all = candidates();
        const Candidate* best = nullptr;
        for (const auto& cand : all) {
            const bool holds = std::all_of(classes.begin(), classes.end(),
                                           [&](int c) { return cand.classes.count(c) != 0; });
            if (holds && better(cand, best)) {
                best = &cand;
            }
        }
        return best->id;
    }

    std::string robust_lch(const std::map<int, double>& mass, double fraction) const {
        double total = 0;
        for (const auto& [c, m] : mass) {
            total += m;
        }
        const auto all = candidates();
        const Candidate* best = nullptr;
        for (const auto& cand : all) {
            double held = 0;
            for (const auto& [c, m] : mass) {
                held += cand.classes.count(c) != 0 ? m : 0.0;
            }
            if (held >= fraction * total && better(cand, best)) {
                best = &cand;
            }
        }
        return best->id;
    }
};

std::set<int> as_set(const Bitset& bits) {
    const auto list = bits.to_list();
    return {list.begin(), list.end()};
}

// r -> a, r -> b; a -> m, b -> m (m has two parents); m -> leaf1, m -> leaf2; r -> z
TaxonomySpec diamond_spec() {
    TaxonomySpec spec;
    for (const char* id : {"r", "a", "b", "m", "leaf1", "leaf2", "z"}) {
        spec.nodes.push_back({id, std::string("Name ") + id, {}, {}, NodeKind::Custom});
    }
    spec.edges = {{1, 0, ""}, {2, 0, ""}, {3, 1, ""}, {3, 2, ""},
                  {4, 3, ""}, {5, 3, ""}, {6, 0, ""}};
    spec.classes = {{4, "first"}, {5, "second"}, {6, "third"}};
    return spec;
}

}  // namespace

class TestTaxonomyDag : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void random_dags_match_brute_force() {
        std::mt19937 rng(20250611);
        for (int round = 0; round < 150; ++round) {
            const RandomDag dag = make_dag(rng);
            const BruteForce bf(dag);
            auto built = build_taxonomy(dag.spec());
            QVERIFY2(built.has_value(), built ? "" : built.error().message.c_str());
            const Taxonomy& t = *built;

            int extra = 0;
            for (size_t c = 0; c < dag.class_nodes.size(); ++c) {
                extra += bf.has_extra_leaf(static_cast<int>(c)) ? 1 : 0;
            }
            QCOMPARE(t.node_count(), static_cast<int>(bf.closure.size()) + extra);
            QCOMPARE(t.node(0).id, dag.ids[0]);
            for (int v = 1; v < t.node_count(); ++v) {  // (depth, id) order
                QVERIFY(t.depth(v - 1) < t.depth(v) ||
                        (t.depth(v - 1) == t.depth(v) && t.node(v - 1).id < t.node(v).id));
            }
            for (int v : bf.closure) {
                const auto found = t.find(dag.ids[static_cast<size_t>(v)]);
                QVERIFY(found.has_value());
                QCOMPARE(t.depth(*found), bf.depth[static_cast<size_t>(v)]);
                QCOMPARE(t.height(*found), bf.height(v));
                QCOMPARE(as_set(t.classes_under(*found)), bf.classes_under(v));
                QCOMPARE(t.is_nontrivial(*found),
                         bf.classes_under(v).size() != dag.class_nodes.size());
            }
            for (int c = 0; c < t.class_count(); ++c) {
                const int leaf = t.class_leaf(c);
                QVERIFY(t.children(leaf).empty());
                QCOMPARE(t.class_of_leaf(leaf), c);
                QCOMPARE(t.height(leaf), 0);
                QCOMPARE(t.node(leaf).kind == NodeKind::ClassLeaf, bf.has_extra_leaf(c));
            }

            std::uniform_int_distribution<int> pick(0, t.class_count() - 1);
            for (int q = 0; q < 20; ++q) {
                std::vector<int> classes(
                    static_cast<size_t>(std::uniform_int_distribution<int>(1, 6)(rng)));
                for (int& c : classes) {
                    c = pick(rng);
                }
                QCOMPARE(t.node(t.lch(classes)).id, bf.lch(classes));

                std::vector<ClassMass> masses;
                std::map<int, double> summed;
                for (int c : classes) {
                    // Whole numbers keep every sum exact, so both sides compare the same values.
                    const double m = std::uniform_int_distribution<int>(1, 9)(rng);
                    masses.push_back({c, m});
                    summed[c] += m;
                }
                masses.push_back({pick(rng), 0.0});  // ignored
                for (double fraction : {0.5, 0.8, 1.0}) {
                    QCOMPARE(t.node(t.robust_lch(masses, fraction)).id,
                             bf.robust_lch(summed, fraction));
                }
            }
        }
    }

    void lch_of_nothing_is_no_node() {
        std::mt19937 rng(7);
        const RandomDag dag = make_dag(rng);
        const auto t = build_taxonomy(dag.spec());
        QVERIFY(t.has_value());
        QCOMPARE(t->lch(std::vector<int>{}), -1);
        QCOMPARE(t->robust_lch({}), -1);
        QCOMPARE(t->robust_lch({{0, 0.0}}), -1);
    }

    void lch_handles_taxonomies_wider_than_the_stack_buffer() {
        // A chain of 5000 nodes: more than 64 words of ancestor bits.
        RandomDag dag;
        for (int v = 0; v < 5000; ++v) {
            char id[16];
            std::snprintf(id, sizeof id, "c%05d", v);
            dag.ids.push_back(id);
            dag.parents.push_back(v == 0 ? std::vector<int>{} : std::vector<int>{v - 1});
        }
        dag.ids.push_back("side");
        dag.parents.push_back({4000});
        dag.class_nodes = {4999, 5000};
        const auto t = build_taxonomy(dag.spec());
        QVERIFY(t.has_value());
        QCOMPARE(t->node(t->lch({0, 1})).id, std::string("c04000"));
        QCOMPARE(t->node(t->lch({0})).id, std::string("c04999"));
        QCOMPARE(t->max_depth(), 4999);
    }

    void several_roots_get_a_synthetic_root() {
        TaxonomySpec spec;
        for (const char* id : {"a", "b", "x", "y"}) {
            spec.nodes.push_back({id, id, {}, {}, NodeKind::Custom});
        }
        spec.edges = {{2, 0, ""}, {3, 1, ""}};  // x under a, y under b
        spec.classes = {{2, ""}, {3, ""}};
        const auto t = build_taxonomy(spec);
        QVERIFY(t.has_value());
        QCOMPARE(t->node(0).id, std::string(kSyntheticRootId));
        QVERIFY(t->node(0).kind == NodeKind::Root);
        QCOMPARE(t->node(t->lch({0, 1})).id, std::string("#root"));
        QCOMPARE(t->node(t->lch({0})).id, std::string("x"));
        QCOMPARE(t->depth(*t->find("y")), 2);
    }

    void paths_search_and_subtree() {
        const auto t = build_taxonomy(diamond_spec());
        QVERIFY(t.has_value());
        const int m = *t->find("m");
        const auto paths = t->paths_to_root(*t->find("leaf1"));
        QCOMPARE(paths.size(), size_t(2));
        for (const auto& path : paths) {
            QCOMPARE(t->node(path.front()).id, std::string("leaf1"));
            QCOMPARE(path.back(), 0);
            QCOMPARE(path.size(), size_t(4));
        }
        QVERIFY(paths[0] < paths[1]);
        QCOMPARE(t->paths_to_root(*t->find("leaf1"), 1).size(), size_t(1));
        QCOMPARE(t->stats().multi_parent_nodes, 1);
        QCOMPARE(t->classes_under(0).count(), 3);  // m's classes are counted once at the root

        QCOMPARE(t->search("NAME L").size(), size_t(2));
        QCOMPARE(t->search("zzz").size(), size_t(0));
        QCOMPARE(t->find_class("SECOND"), std::optional<int>(1));
        QCOMPARE(t->find_class("leaf2"), std::optional<int>(1));

        const Taxonomy sub = t->subtree(m);
        QCOMPARE(sub.node_count(), 3);
        QCOMPARE(sub.node(0).id, std::string("m"));
        QCOMPARE(sub.class_count(), 2);
        QCOMPARE(sub.class_info(1).name, std::string("second"));
        QCOMPARE(sub.node(sub.lch({0, 1})).id, std::string("m"));
        QCOMPARE(t->nontrivial_nodes().size(), size_t(t->node_count() - 1));
    }

    void json_round_trip_keeps_everything() {
        std::mt19937 rng(99);
        for (int round = 0; round < 20; ++round) {
            const auto t = build_taxonomy(make_dag(rng).spec());
            QVERIFY(t.has_value());
            const auto back = taxonomy_from_json(taxonomy_to_json(*t), "round trip");
            QVERIFY2(back.has_value(), back ? "" : back.error().message.c_str());
            expect_same_taxonomy(*t, *back);
            QVERIFY(!QTest::currentTestFailed());
        }
        QTemporaryDir dir;
        std::mt19937 rng2(5);
        const auto t = build_taxonomy(make_dag(rng2).spec());
        const auto path = std::filesystem::path(dir.path().toStdString()) / "taxonomy.json";
        QVERIFY(save_taxonomy_json(*t, path).has_value());
        QVERIFY(!std::filesystem::exists(path.string() + ".tmp"));
        const auto loaded = load_taxonomy_json(path);
        QVERIFY(loaded.has_value());
        expect_same_taxonomy(*t, *loaded);
    }

    void bad_taxonomy_json_is_refused_with_a_reason() {
        const auto t = build_taxonomy(diamond_spec());
        const std::string good = taxonomy_to_json(*t);
        const auto expect_error = [](const std::string& text, const char* needle) {
            const auto r = taxonomy_from_json(text, "ws/taxonomy.json");
            QVERIFY(!r.has_value());
            QVERIFY2(r.error().message.find(needle) != std::string::npos,
                     r.error().message.c_str());
            QVERIFY2(r.error().message.find("ws/taxonomy.json") != std::string::npos,
                     r.error().message.c_str());
        };
        expect_error("{not json", "parse");
        expect_error(R"({"format":"something else"})", "not a taxoscope taxonomy");
        auto doc = nlohmann::json::parse(good);
        doc["version"] = 99;
        expect_error(doc.dump(), "version 99");
        doc = nlohmann::json::parse(good);
        doc["nodes"][1]["parents"] = nlohmann::json::array({5000});
        expect_error(doc.dump(), "does not come before it");
        doc = nlohmann::json::parse(good);
        std::swap(doc["nodes"][0], doc["nodes"][1]);
        expect_error(doc.dump(), "node");
        doc = nlohmann::json::parse(good);
        doc["classes"][0]["leaf"] = 0;
        expect_error(doc.dump(), "children");
        doc = nlohmann::json::parse(good);
        doc["nodes"][0].erase("parents");
        expect_error(doc.dump(), "parents");
        QVERIFY(!load_taxonomy_json("/nonexistent/taxonomy.json").has_value());
    }
};

QTEST_APPLESS_MAIN(TestTaxonomyDag)
#include "test_taxonomy_dag.moc"
