// The alignment heatmap and the layer profile plot on hand-made summaries.
#include <QSignalSpy>
#include <QTest>

#include <cmath>

#include "ui/plots/alignment_heatmap.h"
#include "ui/plots/color_scale.h"
#include "ui/plots/layer_profile_plot.h"

using namespace taxoscope::ui;

namespace {

QVector<LayerProfileRow> three_layers() {
    QVector<LayerProfileRow> layers(3);
    for (int i = 0; i < 3; ++i) {
        LayerProfileRow& s = layers[i];
        s.layer = QStringLiteral("block%1").arg(i);
        s.probe_acc = 0.5 + 0.1 * i;
        s.fvu = 0.3 - 0.05 * i;
        s.l0 = 10.0 + i;
        s.dead_frac = 0.01 * i;
        s.coverage = 0.2 * i;
        s.coverage_baseline = 0.05;
        s.coverage_by_height = {0.1 * i, 0.2 * i, 0.3 * i};
        s.coverage_baseline_by_height = {0.05, 0.05, 0.05};
        s.mean_best_f1_by_height = {0.4, 0.5, 0.6};
    }
    layers[0].coverage_by_height.resize(2);  // a layer with fewer height buckets
    layers[2].fvu = std::nan("");            // a missing figure
    return layers;
}

}  // namespace

class TestPlots : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void heatmap_shows_each_measure();
    void clicking_a_heatmap_cell_names_layer_and_height();
    void profile_plots_every_series_with_gaps();
    void score_colours_run_dark_to_light();
};

void TestPlots::heatmap_shows_each_measure() {
    AlignmentHeatmap heatmap;
    heatmap.set_layers(three_layers());
    QCOMPARE(heatmap.height_count(), 3);
    QCOMPARE(heatmap.cell_value(2, 1), 0.4);
    QVERIFY(std::isnan(heatmap.cell_value(0, 2)));  // bucket absent in layer 0
    QVERIFY(std::isnan(heatmap.cell_value(5, 0)));
    heatmap.set_measure(AlignmentHeatmap::Measure::CoverageOverBaseline);
    QCOMPARE(heatmap.cell_value(2, 2), 0.6 - 0.05);
    heatmap.set_measure(AlignmentHeatmap::Measure::MeanBestF1);
    QCOMPARE(heatmap.cell_value(1, 0), 0.4);
}

void TestPlots::clicking_a_heatmap_cell_names_layer_and_height() {
    AlignmentHeatmap heatmap;
    heatmap.resize(500, 400);
    heatmap.show();
    QVERIFY(QTest::qWaitForWindowExposed(&heatmap));
    heatmap.set_layers(three_layers());
    QSignalSpy clicked(&heatmap, &AlignmentHeatmap::cell_clicked);
    QTest::mouseClick(&heatmap, Qt::LeftButton, {}, heatmap.cell_centre(2, 1));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.front().at(0).toInt(), 2);
    QCOMPARE(clicked.front().at(1).toInt(), 1);
    // Outside the axis rect: no cell.
    QTest::mouseClick(&heatmap, Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(clicked.count(), 1);
}

void TestPlots::profile_plots_every_series_with_gaps() {
    LayerProfilePlot plot;
    plot.set_layers(three_layers());
    QCOMPARE(plot.graphCount(), 6);
    QVERIFY(plot.series_names().contains("probe accuracy"));
    QCPGraph* accuracy = plot.graph(0);
    QCOMPARE(accuracy->dataCount(), 3);
    QCOMPARE(accuracy->data()->at(2)->value, 0.7);
    const int fvu = int(plot.series_names().indexOf("FVU"));
    QVERIFY(std::isnan(plot.graph(fvu)->data()->at(2)->value));
    QVERIFY(plot.yAxis2->range().upper >= 12.0);
}

void TestPlots::score_colours_run_dark_to_light() {
    QVERIFY(score_color(0.0).lightness() < score_color(0.5).lightness());
    QVERIFY(score_color(0.5).lightness() < score_color(1.0).lightness());
    QCOMPARE(score_color(-3.0), score_color(0.0));
    QCOMPARE(score_color(std::nan("")), QColor(200, 200, 200));
    QCOMPARE(text_color_on(score_color(0.0)), QColor(Qt::white));
    QCOMPARE(text_color_on(score_color(1.0)), QColor(Qt::black));
}

QTEST_MAIN(TestPlots)
#include "test_plots.moc"
