// The taxonomy tree model on a small DAG with a node of two parents.
#include <QAbstractItemModelTester>
#include <QTest>
#include <QTreeView>

#include <cmath>
#include <memory>

#include "core/taxonomy/custom_taxonomy.h"
#include "ui/models/taxonomy_tree_model.h"

using namespace taxoscope;
using ui::TaxonomyTreeModel;

namespace {

// animal -> {pet, wild}; cat is both a pet and wild (two parents); dog a pet; wolf wild;
// fish directly under animal.
constexpr const char* kTaxonomy =
    "[classes]\n"
    "cat\n"
    "dog\n"
    "wolf\n"
    "fish\n"
    "[edges]\n"
    "cat\tpet\n"
    "cat\twild\n"
    "dog\tpet\n"
    "wolf\twild\n"
    "pet\tanimal\n"
    "wild\tanimal\n"
    "fish\tanimal\n";

std::shared_ptr<const core::Taxonomy> small_taxonomy() {
    auto taxonomy = core::parse_custom_taxonomy(kTaxonomy, "test.tsv");
    if (!taxonomy) {
        qFatal("%s", taxonomy.error().message.c_str());
    }
    return std::make_shared<const core::Taxonomy>(std::move(*taxonomy));
}

QModelIndex child_named(const QAbstractItemModel& model, const QModelIndex& parent,
                        const QString& id) {
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex child = model.index(row, TaxonomyTreeModel::IdColumn, parent);
        if (child.data().toString() == id) {
            return model.index(row, 0, parent);
        }
    }
    return {};
}

}  // namespace

class TestTaxonomyTreeModel : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void passes_the_model_tester_through_every_change();
    void a_node_with_two_parents_appears_under_each();
    void counts_images_once_per_node();
    void index_of_node_opens_the_first_path();
    void layer_alignment_reaches_the_roles();
};

void TestTaxonomyTreeModel::passes_the_model_tester_through_every_change() {
    TaxonomyTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.set_taxonomy(small_taxonomy(), {5, 3, 2, 7});
    QTreeView view;
    view.setModel(&model);
    view.expandAll();  // materialises every row while the tester watches
    model.set_layer_alignment({"a", "b"},
                              {std::vector<float>(8, 0.25f), std::vector<float>(8, 1.f)});
    model.set_current_layer(1);
    model.set_taxonomy(small_taxonomy(), {});
    QCOMPARE(model.rowCount(), 1);
}

void TestTaxonomyTreeModel::a_node_with_two_parents_appears_under_each() {
    TaxonomyTreeModel model;
    model.set_taxonomy(small_taxonomy());
    const QModelIndex root = model.index(0, 0);
    QCOMPARE(model.index(0, TaxonomyTreeModel::IdColumn).data().toString(), QString("animal"));
    QCOMPARE(model.rowCount(root), 3);
    const QModelIndex pet = child_named(model, root, "pet");
    const QModelIndex wild = child_named(model, root, "wild");
    QVERIFY(pet.isValid() && wild.isValid());
    const QModelIndex cat_under_pet = child_named(model, pet, "cat");
    const QModelIndex cat_under_wild = child_named(model, wild, "cat");
    QVERIFY(cat_under_pet.isValid() && cat_under_wild.isValid());
    QVERIFY(cat_under_pet != cat_under_wild);
    QCOMPARE(model.node_at(cat_under_pet), model.node_at(cat_under_wild));
    QVERIFY(cat_under_pet.data(TaxonomyTreeModel::MultiParentRole).toBool());
    QVERIFY(!pet.data(TaxonomyTreeModel::MultiParentRole).toBool());
    QVERIFY(cat_under_pet.data(Qt::ToolTipRole).toString().contains("2 parents"));
    QCOMPARE(model.parent(cat_under_wild), wild);
    QVERIFY(!model.hasChildren(cat_under_pet));
}

void TestTaxonomyTreeModel::counts_images_once_per_node() {
    TaxonomyTreeModel model;
    model.set_taxonomy(small_taxonomy(), {5, 3, 2, 7});  // cat, dog, wolf, fish
    const core::Taxonomy& t = *model.taxonomy();
    QCOMPARE(model.images_under(*t.find("animal")), int64_t(17));
    QCOMPARE(model.images_under(*t.find("pet")), int64_t(8));
    QCOMPARE(model.images_under(*t.find("wild")), int64_t(7));
    const QModelIndex root = model.index(0, 0);
    const QModelIndex pet = child_named(model, root, "pet");
    QCOMPARE(model.index(pet.row(), TaxonomyTreeModel::ClassesColumn, root).data().toInt(), 2);

    TaxonomyTreeModel without_counts;
    without_counts.set_taxonomy(small_taxonomy(), {1, 2});  // wrong length: no counts shown
    QCOMPARE(without_counts.images_under(0), int64_t(-1));
    QVERIFY(!without_counts.index(0, TaxonomyTreeModel::ImagesColumn).data().isValid());
}

void TestTaxonomyTreeModel::index_of_node_opens_the_first_path() {
    TaxonomyTreeModel model;
    model.set_taxonomy(small_taxonomy());
    const core::Taxonomy& t = *model.taxonomy();
    const int cat = *t.find("cat");
    const QModelIndex found = model.index_of_node(cat);
    QVERIFY(found.isValid());
    QCOMPARE(model.node_at(found), cat);
    // "pet" has a lower node index than "wild" (same depth, ids ascend), so the first path is
    // through pet.
    QCOMPARE(model
                 .index(model.parent(found).row(), TaxonomyTreeModel::IdColumn,
                        model.parent(model.parent(found)))
                 .data()
                 .toString(),
             QString("pet"));
    QVERIFY(!model.index_of_node(-1).isValid());
    QVERIFY(!model.index_of_node(t.node_count()).isValid());
}

void TestTaxonomyTreeModel::layer_alignment_reaches_the_roles() {
    TaxonomyTreeModel model;
    model.set_taxonomy(small_taxonomy());
    const int nodes = model.taxonomy()->node_count();
    std::vector<float> first(static_cast<size_t>(nodes), 0.1f);
    std::vector<float> second(static_cast<size_t>(nodes), 0.9f);
    model.set_layer_alignment({"block0", "block1"}, {first, second});
    const QModelIndex root = model.index(0, TaxonomyTreeModel::AlignmentColumn);
    const QVariantList strip = root.data(TaxonomyTreeModel::LayerF1Role).toList();
    QCOMPARE(strip.size(), 2);
    QCOMPARE(strip[0].toDouble(), double(0.1f));
    QCOMPARE(root.data().toString(), QString("0.10"));
    model.set_current_layer(1);
    QCOMPARE(root.data().toString(), QString("0.90"));
    model.set_current_layer(7);  // out of range: ignored
    QCOMPARE(model.current_layer(), 1);
    // A layer whose table is too short reads as "not analysed", never out of bounds.
    model.set_layer_alignment({"short"}, {std::vector<float>(1, 0.5f)});
    const QModelIndex pet = child_named(model, model.index(0, 0), "pet");
    QVERIFY(std::isnan(pet.data(TaxonomyTreeModel::CurrentLayerF1Role).toDouble()));
}

QTEST_MAIN(TestTaxonomyTreeModel)
#include "test_taxonomy_tree_model.moc"
