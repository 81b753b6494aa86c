// The explorer on a real analysed workspace (planted features, `taxoscope-cli analyze`): the
// window loads it off the main thread, a click on a tree node fills the feature table with that
// node's features, a feature fills the detail, a heatmap cell changes the layer, exports write
// valid files, and closing during a load is safe.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QListView>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include "support/isolated_settings.h"
#include "support/planted_workspace.h"
#include "support/process_run.h"
#include "ui/explorer/explorer_widget.h"
#include "ui/explorer/feature_detail_panel.h"
#include "ui/explorer/workspace_session.h"
#include "ui/main_window.h"
#include "ui/models/feature_table_model.h"
#include "ui/models/image_grid_model.h"
#include "ui/models/taxonomy_tree_model.h"
#include "ui/plots/alignment_heatmap.h"
#include "ui/plots/feature_plots.h"

using namespace taxoscope;

namespace {

QModelIndex find_in_tree(const ui::TaxonomyTreeModel& model, const QModelIndex& parent,
                         const QString& id) {
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex child = model.index(row, 0, parent);
        if (model.index(row, ui::TaxonomyTreeModel::IdColumn, parent).data().toString() == id) {
            return child;
        }
        const QModelIndex deeper = find_in_tree(model, child, id);
        if (deeper.isValid()) {
            return deeper;
        }
    }
    return {};
}

QByteArray head_of(const QString& path, int bytes) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.read(bytes) : QByteArray();
}

}  // namespace

class TestExplorer : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void opens_the_workspace_off_the_main_thread();
    void clicking_a_node_lists_its_features_and_detail();
    void heatmap_click_changes_the_layer();
    void exports_write_valid_files();
    void headless_export_and_bad_specs();
    void closing_while_loading_is_safe();
    void an_unanalysed_workspace_says_what_to_run();

  private:
    QTemporaryDir dir_;
    QTemporaryDir settings_;
    QString workspace_;
};

void TestExplorer::initTestCase() {
    test::use_isolated_settings(settings_.path(), "test_explorer");
    const test::PlantedWorkspace planted =
        test::write_planted_workspace(dir_.filePath("ws").toStdString());
    QVERIFY(planted.rows > 0);
    workspace_ = dir_.filePath("ws");
    const test::ProcessResult analyzed =
        test::run_cli({"analyze", "--workspace", workspace_, "--taxonomy",
                       QString::fromStdString(planted.taxonomy_tsv.string()), "--topk", "8"});
    QVERIFY2(analyzed.exit_code == 0, qPrintable(analyzed.all()));
}

void TestExplorer::opens_the_workspace_off_the_main_thread() {
    ui::MainWindow window;
    QSignalSpy loaded(&window, &ui::MainWindow::workspace_loaded);
    QVERIFY(window.open_workspace(workspace_));
    QVERIFY(window.wait_until_loaded());
    QCOMPARE(loaded.count(), 1);
    ui::ExplorerWidget* explorer = window.explorer();
    QCOMPARE(explorer->session()->layer_count(), 1);
    QAbstractItemModelTester tree_tester(explorer->tree_model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester table_tester(explorer->feature_model(),
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Root node, all layers in the strip.
    const QModelIndex root = explorer->tree_model()->index(0, 0);
    QCOMPARE(root.data(ui::TaxonomyTreeModel::LayerF1Role).toList().size(), 1);
    QCOMPARE(explorer->tree_model()->images_under(0), int64_t(400));
}

void TestExplorer::clicking_a_node_lists_its_features_and_detail() {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.open_workspace(workspace_));
    QVERIFY(window.wait_until_loaded());
    ui::ExplorerWidget* explorer = window.explorer();
    QVERIFY(explorer->wait_for_layer());

    QTreeView* tree = explorer->tree_view();
    const QModelIndex pet = find_in_tree(*explorer->tree_model(), {}, "pet");
    QVERIFY(pet.isValid());
    tree->scrollTo(pet);
    const QRect cell = tree->visualRect(pet);
    QVERIFY(cell.isValid());
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(explorer->current_node(), explorer->tree_model()->node_at(pet));

    // Feature 0 is planted on cat + dog = exactly the classes under "pet": F1 1, listed first.
    QTableView* table = explorer->feature_view();
    QVERIFY(table->model()->rowCount() >= 1);
    QCOMPARE(table->model()->index(0, 0).data(ui::FeatureTableModel::FeatureRole).toInt(), 0);
    QCOMPARE(table->model()->index(0, ui::FeatureTableModel::NodeF1Column).data().toString(),
             QString("1.000"));
    // Selecting it (the first row is selected on refresh) fills the detail.
    QCOMPARE(explorer->current_feature(), 0);
    ui::FeatureDetailPanel* detail = explorer->detail();
    QCOMPARE(detail->grid_model()->rowCount(), 8);  // --topk 8
    for (const ui::GridImage& image : detail->grid_model()->images()) {
        QVERIFY2(image.caption == "cat" || image.caption == "dog", qPrintable(image.caption));
        QVERIFY(image.in_lch);
    }
    QVERIFY(detail->histogram()->bar_count() > 0);
    QCOMPARE(detail->class_plot()->shown_classes().mid(0, 2).size(), 2);
    QVERIFY(detail->heading().contains("pet"));
    // The planted layer is pooled ([B, D]): no patch grid, so no heatmaps to overlay.
    QVERIFY(!detail->heatmap_toggle()->isEnabled());
    QVERIFY2(detail->heatmap_toggle()->toolTip().contains("pooled"),
             qPrintable(detail->heatmap_toggle()->toolTip()));

    // Choosing another row shows that feature.
    const int row_of_9 = [&] {
        for (int r = 0; r < table->model()->rowCount(); ++r) {
            if (table->model()->index(r, 0).data(ui::FeatureTableModel::FeatureRole).toInt() == 9) {
                return r;
            }
        }
        return -1;
    }();
    explorer->show_all_features();
    explorer->select_feature(9);
    QCOMPARE(explorer->current_feature(), 9);
    Q_UNUSED(row_of_9);
    QVERIFY(detail->heading().contains("canine"));

    // Search walks to a node by name.
    QTest::keyClicks(explorer->search_box(), "vehicle");
    QTest::keyClick(explorer->search_box(), Qt::Key_Return);
    QCOMPARE(explorer->tree_model()->node_at(tree->currentIndex()),
             *explorer->session()->taxonomy()->find("vehicle"));
}

void TestExplorer::heatmap_click_changes_the_layer() {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(window.open_workspace(workspace_));
    QVERIFY(window.wait_until_loaded());
    ui::ExplorerWidget* explorer = window.explorer();
    ui::AlignmentHeatmap* heatmap = explorer->heatmap();
    QVERIFY(heatmap->height_count() >= 2);
    // Only one layer here: clicking its cell keeps layer 0 selected and reports the height.
    // Bring the heatmap's tab to the front so it is laid out and receives the click.
    auto* tabs = explorer->findChild<QTabWidget*>();
    QVERIFY(tabs);
    tabs->setCurrentIndex(1);
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCoreApplication::processEvents();
    heatmap->replot();
    QSignalSpy clicked(heatmap, &ui::AlignmentHeatmap::cell_clicked);
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, heatmap->cell_centre(0, 1));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(explorer->current_layer(), 0);
    QCOMPARE(explorer->layer_selector()->currentIndex(), 0);
    QVERIFY(explorer->height_nodes()->count() > 0);  // that height's nodes are listed
}

void TestExplorer::exports_write_valid_files() {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(window.open_workspace(workspace_));
    QVERIFY(window.wait_until_loaded());
    ui::ExplorerWidget* explorer = window.explorer();
    QVERIFY(explorer->wait_for_layer());
    QTemporaryDir out;
    for (const QString what :
         {"heatmap", "profile", "graph", "card", "grid", "histogram", "classes"}) {
        const auto figure = explorer->figure(what);
        QVERIFY2(figure.has_value(), qPrintable(what));
        const QString base = out.filePath(what);
        QVERIFY(ui::write_figure(*figure, base + ".png", 150, explorer->provenance(what)));
        QVERIFY(ui::write_figure(*figure, base + ".svg", 96, explorer->provenance(what)));
        QVERIFY(ui::write_figure(*figure, base + ".pdf", 300, explorer->provenance(what)));
        QVERIFY(head_of(base + ".png", 8).startsWith("\x89PNG"));
        QVERIFY(head_of(base + ".pdf", 5) == "%PDF-");
        const QByteArray svg = head_of(base + ".svg", 1 << 20);
        QVERIFY(svg.contains("<svg"));
        QVERIFY2(svg.contains(explorer->session()->folder().toUtf8()), qPrintable(what));
    }
    const QString csv = explorer->feature_table_csv();
    QVERIFY(csv.startsWith("Feature,Node F1,Best node"));
    QVERIFY(csv.count('\n') >= 2);
}

void TestExplorer::headless_export_and_bad_specs() {
    QTemporaryDir out;
    const QString svg = out.filePath("heatmap.svg");
    const test::ProcessResult heatmap = test::run_program(
        TAXOSCOPE_GUI_PATH, {workspace_, "--export-figure", "heatmap", "--out", svg});
    QVERIFY2(heatmap.exit_code == 0, qPrintable(heatmap.all()));
    QVERIFY(head_of(svg, 1 << 16).contains("<svg"));
    const QString png = out.filePath("card.png");
    const test::ProcessResult card = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--export-figure", "feature:blocks.1:0", "--out", png, "--dpi", "120"});
    QVERIFY2(card.exit_code == 0, qPrintable(card.all()));
    QVERIFY(head_of(png, 8).startsWith("\x89PNG"));
    const test::ProcessResult graph = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--export-figure", "graph:pet", "--out", out.filePath("g.pdf")});
    QVERIFY2(graph.exit_code == 0, qPrintable(graph.all()));

    const test::ProcessResult bad_layer = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--export-figure", "feature:nope:0", "--out", out.filePath("x.png")});
    QCOMPARE(bad_layer.exit_code, 2);
    QVERIFY(bad_layer.err.contains("nope"));
    QVERIFY(!QFile::exists(out.filePath("x.png")));
    const test::ProcessResult bad_feature = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--export-figure", "feature:blocks.1:999", "--out", out.filePath("x.png")});
    QCOMPARE(bad_feature.exit_code, 2);
    QVERIFY(bad_feature.err.contains("999"));
    const test::ProcessResult bad_kind = test::run_program(
        TAXOSCOPE_GUI_PATH, {workspace_, "--export-figure", "pie", "--out", out.filePath("x.png")});
    QCOMPARE(bad_kind.exit_code, 2);
    // The planted layer is pooled: no grid heatmaps, and the message says why.
    const test::ProcessResult pooled = test::run_program(
        TAXOSCOPE_GUI_PATH, {workspace_, "--select-feature", "blocks.1:0", "--grid-heatmaps",
                             "--screenshot", out.filePath("x.png")});
    QCOMPARE(pooled.exit_code, 2);
    QVERIFY2(pooled.err.contains("pooled"), qPrintable(pooled.all()));
}

void TestExplorer::closing_while_loading_is_safe() {
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto* window = new ui::MainWindow;
        window->show();
        QVERIFY(window->open_workspace(workspace_));
        window->close();
        delete window;  // must neither crash nor leave a task reporting to a dead window
    }
    QCoreApplication::processEvents();
}

void TestExplorer::an_unanalysed_workspace_says_what_to_run() {
    QTemporaryDir other;
    const test::PlantedWorkspace planted =
        test::write_planted_workspace(other.filePath("raw").toStdString());
    QVERIFY(planted.rows > 0);
    ui::MainWindow window;
    QVERIFY(window.open_workspace(other.filePath("raw")));
    QVERIFY(!window.wait_until_loaded());
    QVERIFY2(window.last_error().contains("analyze"), qPrintable(window.last_error()));
}

QTEST_MAIN(TestExplorer)
#include "test_explorer.moc"
