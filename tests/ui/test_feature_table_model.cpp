// The feature table model: scope changes under the model tester, numeric sorting, derived columns.
#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTest>

#include <memory>

#include "core/analysis/analysis_file.h"
#include "core/taxonomy/custom_taxonomy.h"
#include "ui/models/feature_table_model.h"

using namespace taxoscope;
using ui::FeatureTableModel;

namespace {

std::shared_ptr<const core::Taxonomy> taxonomy() {
    auto t = core::parse_custom_taxonomy("[classes]\ncat\ndog\n[edges]\ncat\tpet\ndog\tpet\n", "t");
    if (!t) {
        qFatal("%s", t.error().message.c_str());
    }
    return std::make_shared<const core::Taxonomy>(std::move(*t));
}

std::shared_ptr<ui::LayerFeatures> four_features(const core::Taxonomy& t) {
    auto a = std::make_shared<core::LayerAnalysis>();
    a->d_sae = 4;
    const int pet = *t.find("pet");
    const int cat = *t.find("cat");
    a->best_node = {pet, cat, -1, cat};
    a->best_f1 = {0.9f, 0.4f, 0.0f, 0.75f};
    a->lch_node = {pet, cat, -1, pet};
    a->lch_height = {1, 0, -1, 1};
    a->fire_count = {100, 10, 0, 50};
    a->act_sum = {250.0, 5.0, 0.0, 100.0};
    a->act_max = {7.f, 1.f, 0.f, 3.f};
    auto f = std::make_shared<ui::LayerFeatures>();
    f->layer_index = 1;
    f->image_count = 200;
    f->analysis = a;
    return f;
}

}  // namespace

class TestFeatureTableModel : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void passes_the_model_tester();
    void derived_columns_follow_the_definitions();
    void sorts_numerically_through_a_proxy();
    void scope_skips_unknown_features();
};

void TestFeatureTableModel::passes_the_model_tester() {
    FeatureTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto t = taxonomy();
    model.set_layer(four_features(*t), t);
    model.show_all_features();
    QCOMPARE(model.rowCount(), 4);
    model.set_scope({3, 0}, {0.5f, 0.25f});
    QCOMPARE(model.rowCount(), 2);
    model.set_layer(nullptr, nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TestFeatureTableModel::derived_columns_follow_the_definitions() {
    FeatureTableModel model;
    auto t = taxonomy();
    model.set_layer(four_features(*t), t);
    model.show_all_features();
    auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(cell(0, FeatureTableModel::BestNodeColumn), QString("pet"));
    QCOMPARE(cell(0, FeatureTableModel::FrequencyColumn), QString("50.00 %"));
    QCOMPARE(cell(0, FeatureTableModel::MeanColumn), QString("2.500"));  // 250 / 100 firings
    QCOMPARE(cell(3, FeatureTableModel::BestF1Column), QString("0.750"));
    QCOMPARE(cell(2, FeatureTableModel::BestNodeColumn), QString());  // never fired
    QCOMPARE(cell(2, FeatureTableModel::MeanColumn), QString("0.000"));
    QVERIFY(!model.index(0, FeatureTableModel::NodeF1Column).data().isValid());
    QCOMPARE(model.index(1, 0).data(FeatureTableModel::FeatureRole).toInt(), 1);
    QVERIFY(model.index(0, FeatureTableModel::BestNodeColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains("pet"));
}

void TestFeatureTableModel::sorts_numerically_through_a_proxy() {
    FeatureTableModel model;
    auto t = taxonomy();
    model.set_layer(four_features(*t), t);
    model.show_all_features();
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(Qt::UserRole);
    proxy.sort(FeatureTableModel::BestF1Column, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(FeatureTableModel::FeatureRole).toInt(), 0);  // 0.9
    QCOMPARE(proxy.index(1, 0).data(FeatureTableModel::FeatureRole).toInt(), 3);  // 0.75
    proxy.sort(FeatureTableModel::FrequencyColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(FeatureTableModel::FeatureRole).toInt(), 2);  // never fired
}

void TestFeatureTableModel::scope_skips_unknown_features() {
    FeatureTableModel model;
    auto t = taxonomy();
    model.set_layer(four_features(*t), t);
    model.set_scope({1, 99, -2, 3}, {0.1f, 0.2f, 0.3f, 0.4f});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.row_of_feature(3), 1);
    QCOMPARE(model.row_of_feature(99), -1);
    QCOMPARE(model.index(1, FeatureTableModel::NodeF1Column).data().toString(), QString("0.400"));
}

QTEST_MAIN(TestFeatureTableModel)
#include "test_feature_table_model.moc"
