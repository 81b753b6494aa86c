// Custom (non-WordNet) taxonomies from the sectioned TSV: a CIFAR-like hierarchy, names, the
// synthetic root, and every malformed file, cycles included.
#include <QtTest>

#include <fstream>

#include "core/taxonomy/custom_taxonomy.h"
#include "core/taxonomy/taxonomy_json.h"
#include "core/taxonomy_compare.h"

using namespace taxoscope::core;

namespace {

// Two CIFAR-100 superclasses under two made-up top nodes, one class ("tree") that is also the
// parent of another class, and a node ("unused") above no class.
const char* const kCifarLike =
    "# a CIFAR-100-like hierarchy\n"
    "[classes]\n"
    "apple\tApple\n"
    "orange\n"
    "oak\n"
    "tree\tTree (generic)\n"
    "dolphin\n"
    "\n"
    "[edges]\n"
    "apple\tfruit_and_vegetables\n"
    "orange\tfruit_and_vegetables\n"
    "oak\ttree\n"
    "tree\ttrees\n"
    "trees\tplants\n"
    "fruit_and_vegetables\tplants\n"
    "dolphin\taquatic_mammals\n"
    "aquatic_mammals\tanimals\n"
    "unused\tanimals\n"
    "[names]\n"
    "fruit_and_vegetables\tfruit and vegetables\tCIFAR-100 superclass 4\n";

std::string error_of(const std::string& text) {
    const auto t = parse_custom_taxonomy(text, "my.tsv");
    return t ? std::string("no error") : t.error().message;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

class TestTaxonomyCustom : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void cifar_like_hierarchy_builds() {
        const auto t = parse_custom_taxonomy(kCifarLike, "cifar.tsv");
        QVERIFY2(t.has_value(), t ? "" : t.error().message.c_str());
        QCOMPARE(t->origin().source, std::string("custom"));
        QCOMPARE(t->class_count(), 5);
        // #root, plants, animals, fruit_and_vegetables, trees, aquatic_mammals, tree, apple,
        // orange, oak, tree#class, dolphin; "unused" is above no class and is dropped.
        QCOMPARE(t->node_count(), 12);
        QVERIFY(!t->find("unused").has_value());
        QCOMPARE(t->node(0).id, std::string("#root"));
        QCOMPARE(t->class_info(0).name, std::string("Apple"));
        QCOMPARE(t->class_info(1).name, std::string("orange"));
        const int fv = *t->find("fruit_and_vegetables");
        QCOMPARE(t->node(fv).name, std::string("fruit and vegetables"));
        QCOMPARE(t->node(fv).gloss, std::string("CIFAR-100 superclass 4"));
        QCOMPARE(t->depth(fv), 2);

        const int tree_leaf = t->class_leaf(3);
        QCOMPARE(t->node(tree_leaf).id, std::string("tree#class"));
        QCOMPARE(t->parents(tree_leaf), std::vector<int>{*t->find("tree")});
        QCOMPARE(t->node(t->lch({2, 3})).id, std::string("tree"));
        QCOMPARE(t->node(t->lch({0, 1})).id, std::string("fruit_and_vegetables"));
        QCOMPARE(t->node(t->lch({0, 2})).id, std::string("plants"));
        QCOMPARE(t->node(t->lch({0, 4})).id, std::string("#root"));
        QCOMPARE(t->height(0), 4);  // #root > plants > trees > tree > oak

        // 4 of 5 unit masses under plants reach 80%; the fifth is the dolphin.
        QCOMPARE(t->node(t->robust_lch({{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}})).id,
                 std::string("plants"));
        QCOMPARE(t->node(t->robust_lch({{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}}, 1.0)).id,
                 std::string("#root"));

        const auto back = taxonomy_from_json(taxonomy_to_json(*t), "taxonomy.json");
        QVERIFY(back.has_value());
        taxoscope::test::expect_same_taxonomy(*t, *back);
    }

    void single_top_node_is_the_root() {
        const auto t =
            parse_custom_taxonomy("[edges]\na\ttop\nb\ttop\n[classes]\na\nb\n", "two.tsv");
        QVERIFY(t.has_value());
        QCOMPARE(t->node_count(), 3);
        QCOMPARE(t->node(0).id, std::string("top"));
        QVERIFY(t->node(0).kind == NodeKind::Custom);
    }

    void cycle_is_reported_with_one_of_its_edges() {
        const std::string message =
            error_of("[classes]\nleaf\n[edges]\nleaf\ta\na\tb\nb\tc\nc\ta\n");
        QVERIFY2(contains(message, "cycle"), message.c_str());
        // The cycle is a -> b -> c -> a: any of its edges, with its line, is a fine answer.
        const bool names_edge = (contains(message, "'a' -> 'b'") && contains(message, "line 5")) ||
                                (contains(message, "'b' -> 'c'") && contains(message, "line 6")) ||
                                (contains(message, "'c' -> 'a'") && contains(message, "line 7"));
        QVERIFY2(names_edge, message.c_str());
        const std::string self = error_of("[classes]\nx\n[edges]\nx\ty\ny\ty\n");
        QVERIFY2(contains(self, "'y' -> 'y'"), self.c_str());
    }

    void malformed_files_name_the_line() {
        struct Case {
            const char* text;
            const char* expect;
        };
        const Case cases[] = {
            {"apple\tfruit\n", "my.tsv line 1: expected a section header"},
            {"[classes]\napple\n[edges]\napple\n", "my.tsv line 4: expected <child><TAB><parent>"},
            {"[classes]\napple\n[edges]\napple\tfruit\tx\n", "line 4: expected <child>"},
            {"[fruit]\n", "my.tsv line 1: unknown section [fruit]"},
            {"[classes]\napple\napple\n[edges]\napple\tfruit\n",
             "line 3: class 'apple' is already"},
            {"[classes]\napple\npear\n[edges]\napple\tfruit\n",
             "line 3: class 'pear' appears in no edge"},
            {"[classes]\n[edges]\napple\tfruit\n", "has no [classes] entries"},
            {"[classes]\napple\n[edges]\napple\tfruit\n[names]\nkiwi\tKiwi\n",
             "line 6: [names] names 'kiwi'"},
            {"[classes]\napple\n[edges]\napple\tfr#uit\n", "line 4: id 'fr#uit' contains '#'"},
            {"[classes]\napple\t\tx\n[edges]\napple\tfruit\n", "line 2: expected <id>"},
        };
        for (const Case& c : cases) {
            const std::string message = error_of(c.text);
            QVERIFY2(contains(message, c.expect), (message + " / wanted: " + c.expect).c_str());
        }
        const auto missing = read_custom_taxonomy("/nonexistent/custom.tsv");
        QVERIFY(!missing.has_value());
        QVERIFY(contains(missing.error().message, "/nonexistent/custom.tsv"));
    }

    void files_are_read_from_disk() {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString() + "/cifar.tsv";
        std::ofstream(path) << kCifarLike;
        const auto t = read_custom_taxonomy(path);
        QVERIFY(t.has_value());
        QCOMPARE(t->origin().class_set, path);
    }
};

QTEST_APPLESS_MAIN(TestTaxonomyCustom)
#include "test_taxonomy_custom.moc"
