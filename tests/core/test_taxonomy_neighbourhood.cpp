// The neighbourhood drawn around a node: paths up, children and siblings, with caps.
#include <QTest>

#include <algorithm>

#include "core/taxonomy/custom_taxonomy.h"
#include "core/taxonomy/neighbourhood.h"

using namespace taxoscope::core;

namespace {

// root -> {a, b}; a -> {a1..a5}; b -> {b1}; a1 also under b (two parents).
Taxonomy wide_taxonomy() {
    const char* text =
        "[classes]\na1\na2\na3\na4\na5\nb1\n"
        "[edges]\na1\ta\na1\tb\na2\ta\na3\ta\na4\ta\na5\ta\nb1\tb\n"
        "a\troot\nb\troot\n";
    auto taxonomy = parse_custom_taxonomy(text, "wide.tsv");
    if (!taxonomy) {
        qFatal("%s", taxonomy.error().message.c_str());
    }
    return std::move(*taxonomy);
}

bool contains(const std::vector<int>& nodes, int v) {
    return std::find(nodes.begin(), nodes.end(), v) != nodes.end();
}

}  // namespace

class TestTaxonomyNeighbourhood : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void holds_every_path_children_and_siblings();
    void caps_siblings_and_children_and_counts_the_rest();
    void unknown_node_gives_an_empty_neighbourhood();
};

void TestTaxonomyNeighbourhood::holds_every_path_children_and_siblings() {
    const Taxonomy t = wide_taxonomy();
    const int a1 = *t.find("a1");
    const Neighbourhood hood = neighbourhood(t, a1);
    QCOMPARE(hood.focus, a1);
    // Both parents and the root, since a1 has two paths up.
    for (const char* id : {"root", "a", "b", "a2", "a3", "a4", "a5", "b1"}) {
        QVERIFY2(contains(hood.nodes, *t.find(id)), id);
    }
    QVERIFY(std::is_sorted(hood.nodes.begin(), hood.nodes.end()));
    // Edges are exactly the taxonomy's edges among the shown nodes.
    size_t expected_edges = 0;
    for (int child : hood.nodes) {
        for (int parent : t.parents(child)) {
            expected_edges += contains(hood.nodes, parent) ? 1 : 0;
        }
    }
    QCOMPARE(hood.edges.size(), expected_edges);
    QVERIFY(std::find(hood.edges.begin(), hood.edges.end(), std::make_pair(*t.find("b"), a1)) !=
            hood.edges.end());
    QCOMPARE(hood.hidden_children + hood.hidden_siblings, size_t(0));
}

void TestTaxonomyNeighbourhood::caps_siblings_and_children_and_counts_the_rest() {
    const Taxonomy t = wide_taxonomy();
    NeighbourhoodLimits limits;
    limits.max_siblings = 2;
    const Neighbourhood of_a1 = neighbourhood(t, *t.find("a1"), limits);
    // a1's siblings: a2..a5 (under a) and b1 (under b) = 5, 2 shown.
    QCOMPARE(of_a1.hidden_siblings, size_t(3));
    limits.max_children = 3;
    const Neighbourhood of_a = neighbourhood(t, *t.find("a"), limits);
    QCOMPARE(of_a.hidden_children, size_t(2));
    QVERIFY(contains(of_a.nodes, *t.find("a1")));
    QVERIFY(!contains(of_a.nodes, *t.find("a5")));
}

void TestTaxonomyNeighbourhood::unknown_node_gives_an_empty_neighbourhood() {
    const Taxonomy t = wide_taxonomy();
    QVERIFY(neighbourhood(t, -1).nodes.empty());
    QVERIFY(neighbourhood(t, t.node_count()).nodes.empty());
}

QTEST_APPLESS_MAIN(TestTaxonomyNeighbourhood)
#include "test_taxonomy_neighbourhood.moc"
