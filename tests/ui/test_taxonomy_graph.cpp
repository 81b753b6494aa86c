// dot layout and the graph view: parents above children, clicks select nodes.
#include <QApplication>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <memory>

#include "core/taxonomy/custom_taxonomy.h"
#include "ui/graph/graph_layout.h"
#include "ui/graph/taxonomy_graph_view.h"

using namespace taxoscope;

class TestTaxonomyGraph : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void dot_puts_parents_above_children();
    void layout_refuses_edges_to_missing_nodes();
    void clicking_a_node_selects_it();
    void a_node_shown_before_the_view_has_its_size_fits_once_it_has();
};

void TestTaxonomyGraph::dot_puts_parents_above_children() {
    ui::LayoutRequest request;
    request.labels = {"animal", "pet", "wild", "cat with a long name"};
    request.edges = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
    const auto layout = ui::layout_with_dot(request);
    QVERIFY2(layout.has_value(), layout ? "" : layout.error().message.c_str());
    QCOMPARE(layout->nodes.size(), size_t(4));
    QCOMPARE(layout->edges.size(), size_t(4));
    for (const auto& [from, to] : request.edges) {
        QVERIFY(layout->nodes[size_t(from)].centre.y < layout->nodes[size_t(to)].centre.y);
    }
    // Boxes grow with their labels and stay inside the drawing.
    QVERIFY(layout->nodes[3].width > layout->nodes[1].width);
    for (const ui::PlacedNode& node : layout->nodes) {
        QVERIFY(node.centre.x >= 0 && node.centre.x <= layout->width);
        QVERIFY(node.centre.y >= 0 && node.centre.y <= layout->height);
    }
    for (const ui::PlacedEdge& edge : layout->edges) {
        QVERIFY(edge.bezier.size() >= 4);
        QCOMPARE((edge.bezier.size() - 1) % 3, size_t(0));
    }
}

void TestTaxonomyGraph::layout_refuses_edges_to_missing_nodes() {
    ui::LayoutRequest request;
    request.labels = {"a"};
    request.edges = {{0, 3}};
    const auto layout = ui::layout_with_dot(request);
    QVERIFY(!layout.has_value());
    QVERIFY(QString::fromStdString(layout.error().message).contains("node 3"));
}

void TestTaxonomyGraph::clicking_a_node_selects_it() {
    auto parsed = core::parse_custom_taxonomy(
        "[classes]\ncat\ndog\n[edges]\ncat\tpet\ndog\tpet\npet\tanimal\n", "t.tsv");
    QVERIFY(parsed.has_value());
    auto taxonomy = std::make_shared<const core::Taxonomy>(std::move(*parsed));
    ui::TaxonomyGraphView view;
    view.resize(500, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.set_taxonomy(taxonomy);
    std::vector<float> scores(size_t(taxonomy->node_count()), 0.5f);
    view.set_node_scores(scores);
    const int pet = *taxonomy->find("pet");
    const int dog = *taxonomy->find("dog");
    view.show_node(pet);
    QVERIFY2(view.last_error().isEmpty(), qPrintable(view.last_error()));
    QCOMPARE(view.focus_node(), pet);
    const QPointF dog_centre = view.node_position(dog);
    QVERIFY(!dog_centre.isNull());
    QVERIFY(view.node_position(*taxonomy->find("animal")).y() < view.node_position(pet).y());

    QSignalSpy clicked(&view, &ui::TaxonomyGraphView::node_clicked);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(dog_centre));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.front().front().toInt(), dog);
    view.show_node(-1);
    QVERIFY(view.node_position(dog).isNull());
}

void TestTaxonomyGraph::a_node_shown_before_the_view_has_its_size_fits_once_it_has() {
    auto parsed = core::parse_custom_taxonomy(
        "[classes]\ncat\ndog\n[edges]\ncat\tpet\ndog\tpet\npet\tanimal\n", "t.tsv");
    QVERIFY(parsed.has_value());
    auto taxonomy = std::make_shared<const core::Taxonomy>(std::move(*parsed));
    ui::TaxonomyGraphView view;
    view.resize(60, 40);  // as at start-up, before the window's layout gave the view its size
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.set_taxonomy(taxonomy);
    view.show_node(*taxonomy->find("pet"));
    const double cramped = view.transform().m11();
    QVERIFY2(cramped < 0.5, qPrintable(QString::number(cramped)));

    view.resize(800, 600);
    QApplication::processEvents();
    QVERIFY2(view.transform().m11() > 2 * cramped,
             qPrintable(QString::number(view.transform().m11())));

    // Once the user zooms, a resize keeps their zoom.
    QWheelEvent wheel(QPointF(100, 100), view.mapToGlobal(QPoint(100, 100)), {}, QPoint(0, -240),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.viewport(), &wheel);
    const double zoomed = view.transform().m11();
    view.resize(700, 500);
    QApplication::processEvents();
    QCOMPARE(view.transform().m11(), zoomed);
}

QTEST_MAIN(TestTaxonomyGraph)
#include "test_taxonomy_graph.moc"
