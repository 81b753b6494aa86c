// The WordNet taxonomy: the issue's facts on Debian's real WordNet 3.0 (ImageNet-1k,
// Fashion-MNIST), a hand-made data.noun for the details, and every bad input.
#include <QtTest>

#include <fstream>
#include <memory>

#include "core/taxonomy/class_list.h"
#include "core/taxonomy/taxonomy_json.h"
#include "core/taxonomy/wordnet_taxonomy.h"
#include "core/taxonomy_compare.h"

using namespace taxoscope::core;
using taxoscope::test::expect_same_taxonomy;

namespace {

// A tiny data.noun in WordNet's layout: license lines start with spaces; house_cat has two
// hypernyms; Felix is an instance (@i) of house_cat; glosses end with WordNet's two spaces.
const char* const kMiniDataNoun =
    "  1 This software and database is provided under a license.  \n"
    "  2 (header lines start with spaces)  \n"
    "00001740 03 n 01 entity 0 002 ~ 00002000 n 0000 ~ 00002100 n 0000 | that which exists  \n"
    "00002000 03 n 02 animal 0 beast 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 | a living "
    "organism  \n"
    "00002100 03 n 01 pet 0 001 @ 00001740 n 0000 | a domestic animal  \n"
    "00003000 05 n 01 house_cat 0 003 @ 00002000 n 0000 @ 00002100 n 0000 + 01234567 v 0101 | a "
    "cat kept at home  \n"
    "00004000 18 n 01 Felix 0 001 @i 00003000 n 0000 | a cartoon cat  \n";

std::string write_file(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.path().toStdString() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

Result<Taxonomy> build_from(const std::string& dir, const std::string& class_text) {
    auto list = parse_class_list(class_text, "classes.txt", "classes.txt");
    if (!list) {
        return fail(list.error());
    }
    NullProgress progress;
    return build_wordnet_taxonomy(*list, dir, progress, CancelToken());
}

// Replaces `from` by `to` in the mini file (which must contain it) and builds with two classes.
Error mini_error(const std::string& from, const std::string& to) {
    std::string text = kMiniDataNoun;
    const size_t at = text.find(from);
    if (at == std::string::npos) {
        return Error{ErrorCode::Runtime, "fixture has no " + from};
    }
    text.replace(at, from.size(), to);
    QTemporaryDir dir;
    write_file(dir, "data.noun", text);
    const auto t = build_from(dir.path().toStdString(), "n00003000\nn00004000\n");
    return t ? Error{ErrorCode::Runtime, "no error"} : t.error();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

int node_of(const Taxonomy& t, const char* id) {
    const auto v = t.find(id);
    return v ? *v : -1;
}

}  // namespace

class TestTaxonomyWordNet : public QObject {
    Q_OBJECT

    std::unique_ptr<WordNetNouns> real_;  // Debian's WordNet, read once for all real checks

    const WordNetNouns& real() { return *real_; }

  private Q_SLOTS:
    void initTestCase() {
        NullProgress progress;
        auto nouns = WordNetNouns::load(kDefaultWordNetDir, progress, CancelToken());
        if (nouns) {
            real_ = std::make_unique<WordNetNouns>(std::move(*nouns));
        }
    }

    void imagenet_closure_matches_wordnet_facts() {
        if (!real_) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        const auto list = builtin_class_list("imagenet1k");
        QVERIFY(list.has_value());
        QCOMPARE(list->entries.size(), size_t(1000));
        const auto t = build_wordnet_taxonomy(*list, real());
        QVERIFY2(t.has_value(), t ? "" : t.error().message.c_str());
        const TaxonomyStats s = t->stats();
        QCOMPARE(s.nodes, 1860);
        QCOMPARE(s.extra_class_leaves, 0);
        QCOMPARE(s.multi_parent_nodes, 75);
        QCOMPARE(s.classes, 1000);
        QCOMPARE(t->node(0).id, std::string("n00001740"));
        QCOMPARE(t->node(0).name, std::string("entity"));
        QCOMPARE(t->class_info(0).id, std::string("n01440764"));
        QCOMPARE(t->class_info(0).name, std::string("tench"));
        QCOMPARE(t->class_info(999).id, std::string("n15075141"));
        for (int c = 0; c < t->class_count(); ++c) {
            QVERIFY(t->children(t->class_leaf(c)).empty());
        }
        QCOMPARE(t->classes_under(0).count(), 1000);

        const auto lch_of = [&](const char* a, const char* b) {
            return t->node(t->lch({*t->find_class(a), *t->find_class(b)})).id;
        };
        QCOMPARE(lch_of("n02123045", "n02123159"), std::string("n02121808"));
        QCOMPARE(lch_of("n01440764", "n01443537"), std::string("n01439121"));
        const int cat = node_of(*t, "n02121808");
        QCOMPARE(t->node(cat).name, std::string("domestic cat"));
        QCOMPARE(t->height(cat), 1);
        QVERIFY(t->node(cat).gloss.find("any domesticated member") != std::string::npos);
        QCOMPARE(t->node(cat).lemmas.size(), size_t(4));
        QCOMPARE(t->node(cat).lemmas[1], std::string("house cat"));
        QVERIFY(t->parents(cat).size() == 2);  // cat and domestic animal

        // Search and paths reach the same node.
        const auto hits = t->search("Domestic Cat");
        QVERIFY(std::find(hits.begin(), hits.end(), cat) != hits.end());
        const auto paths = t->paths_to_root(t->class_leaf(*t->find_class("n02123045")));
        QVERIFY(paths.size() >= 2);
        for (const auto& path : paths) {
            QCOMPARE(path.back(), 0);
            QVERIFY(std::find(path.begin(), path.end(), cat) != path.end());
        }
        const Taxonomy cats = t->subtree(cat);
        QCOMPARE(cats.node(0).id, std::string("n02121808"));
        QCOMPARE(cats.class_count(), t->classes_under(cat).count());
    }

    void imagenet_round_trips_through_taxonomy_json() {
        if (!real_) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        const auto t = build_wordnet_taxonomy(*builtin_class_list("imagenet1k"), real());
        QVERIFY(t.has_value());
        const auto back = taxonomy_from_json(taxonomy_to_json(*t), "taxonomy.json");
        QVERIFY2(back.has_value(), back ? "" : back.error().message.c_str());
        expect_same_taxonomy(*t, *back);
    }

    void fashion_mnist_shirt_gets_its_own_leaf() {
        if (!real_) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        const auto t = build_wordnet_taxonomy(*builtin_class_list("fashion-mnist"), real());
        QVERIFY2(t.has_value(), t ? "" : t.error().message.c_str());
        QCOMPARE(t->node_count(), 28);
        QCOMPARE(t->stats().extra_class_leaves, 1);
        QCOMPARE(t->class_count(), 10);
        const auto cls = [&](const char* name) { return *t->find_class(name); };
        const auto lch_id = [&](std::vector<int> classes) { return t->node(t->lch(classes)).id; };
        QCOMPARE(lch_id({cls("Sandal"), cls("Sneaker")}), std::string("n04199027"));
        QCOMPARE(lch_id({cls("Sandal"), cls("Ankle boot")}), std::string("n03380867"));

        const int tshirt = cls("T-shirt/top");
        const int shirt = cls("Shirt");
        QCOMPARE(tshirt, 0);
        QCOMPARE(shirt, 6);
        QVERIFY(t->class_leaf(tshirt) != t->class_leaf(shirt));
        QCOMPARE(lch_id({tshirt, shirt}), std::string("n04197391"));
        const int leaf = t->class_leaf(shirt);
        QCOMPARE(t->node(leaf).id, std::string("n04197391#class"));
        QCOMPARE(t->node(leaf).name, std::string("shirt (class)"));
        QVERIFY(t->node(leaf).kind == NodeKind::ClassLeaf);
        const int synset = node_of(*t, "n04197391");
        QCOMPARE(t->parents(leaf), std::vector<int>{synset});
        QCOMPARE(t->classes_under(synset).to_list(), (std::vector<int>{tshirt, shirt}));
        QCOMPARE(t->lch({shirt}), leaf);
        QCOMPARE(t->class_info(shirt).id, std::string("n04197391"));
        QCOMPARE(t->class_info(shirt).name, std::string("Shirt"));

        const auto back = taxonomy_from_json(taxonomy_to_json(*t), "taxonomy.json");
        QVERIFY(back.has_value());
        expect_same_taxonomy(*t, *back);
    }

    void mini_wordnet_reads_lemmas_glosses_and_instance_hypernyms() {
        QTemporaryDir dir;
        write_file(dir, "data.noun", kMiniDataNoun);
        const auto t = build_from(dir.path().toStdString(), "n00003000 House cat\nn00004000\n");
        QVERIFY2(t.has_value(), t ? "" : t.error().message.c_str());
        // entity, animal, pet, house_cat, its class leaf, Felix
        QCOMPARE(t->node_count(), 6);
        const int animal = node_of(*t, "n00002000");
        QCOMPARE(t->node(animal).lemmas, (std::vector<std::string>{"animal", "beast"}));
        QCOMPARE(t->node(animal).gloss, std::string("a living organism"));
        const int cat = node_of(*t, "n00003000");
        QCOMPARE(t->node(cat).name, std::string("house cat"));
        QCOMPARE(t->parents(cat).size(), size_t(2));
        QCOMPARE(t->depth(cat), 2);
        QCOMPARE(t->height(cat), 1);
        QCOMPARE(t->height(0), 3);
        QCOMPARE(t->class_info(0).name, std::string("House cat"));
        QCOMPARE(t->class_info(1).name, std::string("Felix"));
        QCOMPARE(t->node(t->class_leaf(0)).id, std::string("n00003000#class"));
        QCOMPARE(t->depth(node_of(*t, "n00004000")), 3);
        QCOMPARE(t->lch({0, 1}), cat);
    }

    void missing_wordnet_folder_names_folder_and_package() {
        const auto t = build_from("/nonexistent/wordnet-folder", "n00003000\n");
        QVERIFY(!t.has_value());
        QCOMPARE(t.error().code, ErrorCode::NotFound);
        QVERIFY2(contains(t.error().message, "/nonexistent/wordnet-folder"),
                 t.error().message.c_str());
        QVERIFY2(contains(t.error().message, "wordnet-base"), t.error().message.c_str());

        QTemporaryDir empty;
        const auto no_file = build_from(empty.path().toStdString(), "n00003000\n");
        QVERIFY(!no_file.has_value());
        QVERIFY(contains(no_file.error().message, empty.path().toStdString()));
        QVERIFY(contains(no_file.error().message, "wordnet-base"));
    }

    void wordnet_env_variable_overrides_the_default() {
        const QByteArray saved = qgetenv(kWordNetEnvVar);
        qputenv(kWordNetEnvVar, "/somewhere/else");
        QCOMPARE(wordnet_dir().string(), std::string("/somewhere/else"));
        qunsetenv(kWordNetEnvVar);
        QCOMPARE(wordnet_dir().string(), std::string(kDefaultWordNetDir));
        if (!saved.isEmpty()) {
            qputenv(kWordNetEnvVar, saved);
        }
    }

    void malformed_data_noun_lines_are_reported_with_their_number() {
        struct Case {
            const char* from;
            const char* to;
            const char* expect;
        };
        const Case cases[] = {
            {"00002100 03 n 01 pet 0 001", "0000210x 03 n 01 pet 0 001", "line 5: "},
            {"pet 0 001 @", "pet 0 0x1 @", "line 5: expected a 3-digit pointer count"},
            {"animal 0 beast 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 |",
             "animal 0 beast 0 002 @ 00001740 n 0000 |", "line 4: "},
            {"Felix 0 001 @i 00003000 n 0000 | a", "Felix 0 001 @i 00003000 n 0000 a", "line 7: "},
            {"00001740 03 n 01 entity", "00001740 03 v 01 entity", "line 3: expected synset type"},
            {"n 02 animal 0 beast 0", "n 03 animal 0 beast 0", "line 4: "},
        };
        for (const Case& c : cases) {
            const Error e = mini_error(c.from, c.to);
            QCOMPARE(e.code, ErrorCode::Parse);
            QVERIFY2(contains(e.message, "data.noun: " + std::string(c.expect)), e.message.c_str());
        }
    }

    void dangling_hypernyms_and_cycles_are_reported() {
        const Error dangling = mini_error("@ 00002100 n", "@ 00007777 n");
        QVERIFY2(contains(dangling.message, "line 6") && contains(dangling.message, "n00007777"),
                 dangling.message.c_str());
        // animal's hypernym becomes house_cat, closing animal -> house_cat -> animal.
        const Error cycle = mini_error("beast 0 002 @ 00001740", "beast 0 002 @ 00003000");
        QVERIFY2(contains(cycle.message, "cycle"), cycle.message.c_str());
        QVERIFY2(contains(cycle.message, "'n00002000' -> 'n00003000'") ||
                     contains(cycle.message, "'n00003000' -> 'n00002000'"),
                 cycle.message.c_str());
    }

    void unknown_or_bad_wnids_name_the_class_list_line() {
        QTemporaryDir dir;
        write_file(dir, "data.noun", kMiniDataNoun);
        const auto unknown =
            build_from(dir.path().toStdString(), "# my classes\nn00003000\n\nn00009999 ghost\n");
        QVERIFY(!unknown.has_value());
        QCOMPARE(unknown.error().code, ErrorCode::NotFound);
        QVERIFY2(contains(unknown.error().message, "classes.txt line 4: n00009999"),
                 unknown.error().message.c_str());

        const auto bad = parse_class_list("n00003000\ncat\n", "x", "list.txt");
        QVERIFY(!bad.has_value());
        QVERIFY2(contains(bad.error().message, "list.txt line 2: 'cat'"),
                 bad.error().message.c_str());
        const auto twice = parse_class_list("n00003000\nn00003000\n", "x", "list.txt");
        QVERIFY(!twice.has_value());
        QVERIFY(contains(twice.error().message, "line 2: n00003000 is already listed on line 1"));
        QVERIFY(!parse_class_list("# nothing\n", "x", "list.txt").has_value());
        const auto order = parse_class_list("index\twnid\n0\tn00003000\n2\tn00004000\n", "x", "t");
        QVERIFY(!order.has_value());
        QVERIFY2(contains(order.error().message, "t line 3: class index '2' should be 1"),
                 order.error().message.c_str());
    }

    void class_lists_come_built_in_or_from_files() {
        QCOMPARE(builtin_class_list_names(),
                 (std::vector<std::string>{"imagenet1k", "fashion-mnist"}));
        const auto fashion = builtin_class_list("fashion-mnist");
        QVERIFY(fashion.has_value());
        QCOMPARE(fashion->entries.size(), size_t(10));
        QCOMPARE(fashion->entries[9].wnid, std::string("n02872752"));
        QCOMPARE(fashion->entries[9].name, std::string("Ankle boot"));
        const auto nope = builtin_class_list("cifar");
        QVERIFY(!nope.has_value());
        QVERIFY(contains(nope.error().message, "imagenet1k"));

        QTemporaryDir dir;
        const std::string tsv =
            write_file(dir, "mine.tsv", "name\twnid\nPet cat\tn00003000\nCartoon\tn00004000\n");
        const auto from_tsv = resolve_class_list(tsv);
        QVERIFY(from_tsv.has_value());
        QCOMPARE(from_tsv->entries[1].name, std::string("Cartoon"));
        QCOMPARE(from_tsv->entries[1].line, 3);
        QCOMPARE(from_tsv->name, std::string("mine.tsv"));
        const auto missing = resolve_class_list(dir.path().toStdString() + "/none.txt");
        QVERIFY(!missing.has_value());
        QVERIFY(contains(missing.error().message, "none.txt"));
    }

    void cancelling_stops_the_reader() {
        std::string text;
        for (int i = 0; i < 8000; ++i) {
            text += "0000" + std::to_string(1000 + i) + " 03 n 01 x 0 000 | g\n";
        }
        CancelToken token;
        token.cancel();
        NullProgress progress;
        const auto nouns = WordNetNouns::parse(text, "data.noun", progress, token);
        QVERIFY(!nouns.has_value());
        QCOMPARE(nouns.error().code, ErrorCode::Cancelled);
    }
};

QTEST_APPLESS_MAIN(TestTaxonomyWordNet)
#include "test_taxonomy_wordnet.moc"
