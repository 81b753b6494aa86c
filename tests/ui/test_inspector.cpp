// The image inspector on the quick demo workspace (`taxoscope-cli demo --quick`, Fashion-MNIST):
// inspecting a Fashion-MNIST PNG fills the feature table (sortable, a valid model) and predicts
// the class, the selected feature's heatmap changes the pixels where its map is high, cancel
// stops the task, unreadable images give an error naming the file, pasted images and "go to
// feature" work, the "features across layers" strip shows each layer's best feature for a node
// with the activations the inspection computed (a click selects that layer and feature), the
// explorer's top-image grid overlays patch heatmaps (and restores the thumbnails when off),
// and `taxoscope WS --inspect IMG --screenshot FILE` writes the inspector PNG.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QListView>
#include <QMimeData>
#include <QPixmap>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <algorithm>
#include <filesystem>

#include "core/analysis/analysis_file.h"
#include "core/data/fashion_mnist.h"
#include "core/store/workspace.h"
#include "core/util/progress.h"
#include "support/isolated_settings.h"
#include "support/process_run.h"
#include "ui/data/thumbnail_cache.h"
#include "ui/explorer/explorer_widget.h"
#include "ui/explorer/feature_detail_panel.h"
#include "ui/explorer/grid_heatmaps.h"
#include "ui/explorer/workspace_session.h"
#include "ui/inspector/heat_legend.h"
#include "ui/inspector/heatmap_view.h"
#include "ui/inspector/inspection_engine.h"
#include "ui/inspector/inspection_feature_model.h"
#include "ui/inspector/inspection_result.h"
#include "ui/inspector/inspector_window.h"
#include "ui/inspector/layer_feature_strip.h"
#include "ui/main_window.h"
#include "ui/models/image_grid_model.h"

using namespace taxoscope;

namespace {

constexpr int kDemoTimeoutMs = 600000;

// Colour distance of two pixels (sum of absolute channel differences).
int distance(QRgb a, QRgb b) {
    return std::abs(qRed(a) - qRed(b)) + std::abs(qGreen(a) - qGreen(b)) +
           std::abs(qBlue(a) - qBlue(b));
}

}  // namespace

class TestInspector : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void inspecting_fills_the_feature_list();
    void the_overlay_paints_where_the_map_is_high();
    void cancel_stops_the_task();
    void unreadable_images_give_an_error();
    void pasted_images_are_inspected();
    void go_to_feature_selects_it_in_the_explorer();
    void the_strip_shows_each_layers_best_feature();
    void grid_heatmaps_overlay_the_top_images();
    void headless_screenshot();

  private:
    QTemporaryDir dir_;
    QTemporaryDir settings_;
    QString workspace_;
    QString image_;  // a Fashion-MNIST test image as a PNG
    int label_ = -1;
};

void TestInspector::initTestCase() {
    if (!std::filesystem::exists(core::default_fashion_mnist_dir() /
                                 "train-images-idx3-ubyte.gz")) {
        QSKIP("Fashion-MNIST (Debian package dataset-fashion-mnist) is not installed");
    }
    test::use_isolated_settings(settings_.path(), "test_inspector");
    QVERIFY(dir_.isValid());
    workspace_ = dir_.filePath("demo");
    const test::ProcessResult demo =
        test::run_cli({"--quiet", "--threads", "2", "demo", "--quick", "--out", workspace_},
                      QProcessEnvironment::systemEnvironment(), kDemoTimeoutMs);
    QVERIFY2(demo.exit_code == 0, qPrintable(demo.all()));

    // A Fashion-MNIST-like input: a real test image, written as an ordinary grey PNG.
    auto split = core::load_fashion_mnist_split("test");
    QVERIFY2(split.has_value(), split ? "" : split.error().message.c_str());
    const int n = 0;
    label_ = (*split)->labels[n];
    QImage grey(28, 28, QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y) {
        std::copy_n((*split)->pixels.data() + n * 784 + y * 28, 28, grey.scanLine(y));
    }
    image_ = dir_.filePath("item.png");
    QVERIFY(grey.save(image_, "PNG"));
}

void TestInspector::inspecting_fills_the_feature_list() {
    ui::InspectorWindow window;
    QAbstractItemModelTester tester(window.feature_model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&window, &ui::InspectorWindow::inspection_finished);
    window.set_workspace(workspace_);
    QVERIFY(window.inspect_file(image_));
    QVERIFY(window.is_running());
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.front().front().toBool(), true);

    const auto& result = window.result();
    QVERIFY(result != nullptr);
    QCOMPARE(result->inspection.input_width, 28);
    QVERIFY(!result->inspection.layers.empty());
    QCOMPARE(window.layer_selector()->count(), int(result->inspection.layers.size()));
    // The deepest layer with maps is shown, its strongest feature selected.
    QTableView* table = window.feature_view();
    QVERIFY(table->model()->rowCount() > 0);
    QVERIFY(table->model()->rowCount() <= 10);
    const int layer = window.layer_selector()->currentIndex();
    const core::LayerInspection& shown = result->inspection.layers[size_t(layer)];
    QVERIFY(!shown.maps.empty());
    QCOMPARE(window.current_layer(), QString::fromStdString(shown.layer));
    QCOMPARE(window.current_feature(), shown.top.front().feature);
    QVERIFY(window.explorer_button()->isEnabled());

    // Columns: feature, activation (largest first), best node with its id and F1.
    using M = ui::InspectionFeatureModel;
    QCOMPARE(table->model()->index(0, M::FeatureColumn).data().toLongLong(),
             qlonglong(shown.top.front().feature));
    for (int row = 1; row < table->model()->rowCount(); ++row) {
        QVERIFY(table->model()->index(row - 1, M::ActivationColumn).data(M::SortRole).toDouble() >=
                table->model()->index(row, M::ActivationColumn).data(M::SortRole).toDouble());
    }
    const QString node = table->model()->index(0, M::NodeColumn).data().toString();
    QVERIFY2(!node.isEmpty() && node != "-", qPrintable(node));  // the demo is analysed
    QVERIFY(!table->model()->index(0, M::NodeIdColumn).data().toString().isEmpty());
    const double f1 = table->model()->index(0, M::F1Column).data(M::SortRole).toDouble();
    QVERIFY(f1 >= 0.0 && f1 <= 1.0);
    // Sortable: by feature index, ascending.
    table->sortByColumn(M::FeatureColumn, Qt::AscendingOrder);
    for (int row = 1; row < table->model()->rowCount(); ++row) {
        QVERIFY(table->model()->index(row - 1, M::FeatureColumn).data().toLongLong() <
                table->model()->index(row, M::FeatureColumn).data().toLongLong());
    }

    // The demo model has logits: the prediction names one of the ten classes.
    QVERIFY(result->predicted.has_value());
    QVERIFY(result->predicted->index >= 0 && result->predicted->index < 10);
    QVERIFY(!result->predicted->name.isEmpty());
    QVERIFY(result->predicted->probability > 0.0f && result->predicted->probability <= 1.0f);
    QVERIFY2(window.prediction_label()->text().contains(result->predicted->name),
             qPrintable(window.prediction_label()->text()));

    // Every layer can be chosen; each one refills the table with its own features.
    for (int i = 0; i < window.layer_selector()->count(); ++i) {
        window.layer_selector()->setCurrentIndex(i);
        QCOMPARE(window.feature_model()->layer(), i);
        QCOMPARE(table->model()->rowCount(), int(result->inspection.layers[size_t(i)].top.size()));
    }
    QVERIFY(window.select_layer(QString::fromStdString(shown.layer)));
    QVERIFY(!window.select_layer("no such layer"));
}

void TestInspector::the_overlay_paints_where_the_map_is_high() {
    ui::InspectorWindow window;
    window.set_workspace(workspace_);
    QVERIFY(window.inspect_file(image_));
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    const auto& result = window.result();
    const int layer = window.layer_selector()->currentIndex();
    const core::FeatureMaps* maps = result->maps(layer, window.current_feature());
    QVERIFY(maps != nullptr);
    const std::vector<float>& heat = maps->patch_pixels;
    QCOMPARE(heat.size(), size_t(28 * 28));
    const auto high = std::max_element(heat.begin(), heat.end()) - heat.begin();
    const auto low = std::min_element(heat.begin(), heat.end()) - heat.begin();
    QVERIFY(heat[size_t(high)] > heat[size_t(low)]);

    ui::HeatmapView* view = window.heatmap_view();
    QVERIFY(view->has_heat());
    QCOMPARE(view->heat_max(), heat[size_t(high)]);
    QCOMPARE(window.legend()->maximum(), double(heat[size_t(high)]));
    QVERIFY(window.legend()->title().contains("patch"));

    constexpr int kScale = 8;
    auto pixel = [&](const QImage& image, std::ptrdiff_t at) {
        const int x = int(at % 28) * kScale + kScale / 2;
        const int y = int(at / 28) * kScale + kScale / 2;
        return image.pixel(x, y);
    };
    window.set_opacity(0.0);
    QCOMPARE(window.opacity_slider()->value(), 0);
    const QImage plain = view->render(kScale);
    // Opacity 0 is the model's view unchanged.
    const core::ImageBuffer& v = result->image.view;
    const size_t at = size_t(high) * 3;
    QVERIFY(distance(pixel(plain, high), qRgb(v.rgb[at], v.rgb[at + 1], v.rgb[at + 2])) <= 3);

    window.set_opacity(0.9);
    const QImage covered = view->render(kScale);
    // Where the map peaks the overlay is the colormap's bright end; where it is lowest, its dark
    // end: the two differ, and the peak differs from the plain image.
    const QRgb peak = pixel(covered, high);
    QVERIFY2(distance(peak, pixel(plain, high)) > 30 || qRed(peak) > 200,
             qPrintable(QString::number(peak, 16)));
    QVERIFY(qRed(peak) + qGreen(peak) > qRed(pixel(covered, low)) + qGreen(pixel(covered, low)));
    QVERIFY(covered != plain);

    // The gradient relevancy map is another map over the same image.
    window.set_map_kind(ui::InspectorWindow::MapKind::Relevance);
    QVERIFY(window.legend()->title().contains("relevancy"));
    if (!maps->relevance_pixels.empty()) {
        const float relevance_max =
            *std::max_element(maps->relevance_pixels.begin(), maps->relevance_pixels.end());
        QCOMPARE(view->heat_max(), relevance_max);
    }
    window.set_map_kind(ui::InspectorWindow::MapKind::Patch);
    QCOMPARE(view->heat_max(), heat[size_t(high)]);

    // Another feature gets its own map.
    if (window.feature_view()->model()->rowCount() > 1) {
        window.select_feature_row(1);
        QVERIFY(window.current_feature() != maps->feature);
        QVERIFY(view->has_heat());
    }
}

void TestInspector::cancel_stops_the_task() {
    ui::InspectorWindow window;  // a new window: the model still has to load
    QSignalSpy finished(&window, &ui::InspectorWindow::inspection_finished);
    window.set_workspace(workspace_);
    QVERIFY(window.inspect_file(image_));
    window.cancel();
    QVERIFY(!window.wait_until_done());
    QVERIFY(!window.is_running());
    QVERIFY(window.was_cancelled());
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.front().front().toBool(), false);
    QVERIFY(window.result() == nullptr);
    QCOMPARE(window.feature_view()->model()->rowCount(), 0);
    QVERIFY(window.error_label()->isHidden());  // a cancel is no error

    // The window is usable afterwards.
    QVERIFY(window.inspect_file(image_));
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    QVERIFY(window.feature_view()->model()->rowCount() > 0);
    QVERIFY(!window.was_cancelled());
}

void TestInspector::unreadable_images_give_an_error() {
    ui::InspectorWindow window;
    window.set_workspace(workspace_);

    // Empty: refused before any work starts.
    const QString empty = dir_.filePath("empty.png");
    QVERIFY(QFile(empty).open(QIODevice::WriteOnly));
    QVERIFY(!window.inspect_file(empty));
    QVERIFY(!window.is_running());
    QVERIFY(!window.error_label()->isHidden());
    QVERIFY2(window.error_label()->text().contains("empty.png") &&
                 window.error_label()->text().contains("empty"),
             qPrintable(window.error_label()->text()));

    // Garbage: the decoder says so, naming the file.
    const QString garbage = dir_.filePath("garbage.png");
    {
        QFile file(garbage);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a PNG at all, just some text\n");
    }
    QVERIFY(window.inspect_file(garbage));
    QVERIFY(!window.wait_until_done());
    QVERIFY(!window.was_cancelled());
    QVERIFY(window.result() == nullptr);
    QVERIFY(!window.error_label()->isHidden());
    QVERIFY2(window.error_label()->text().contains("garbage.png"),
             qPrintable(window.error_label()->text()));
    QVERIFY2(window.last_error().contains("garbage.png"), qPrintable(window.last_error()));

    // Missing, and a folder.
    QVERIFY(!window.inspect_file(dir_.filePath("missing.png")));
    QVERIFY(window.error_label()->text().contains("missing.png"));
    QVERIFY(!window.inspect_file(dir_.path()));
    QVERIFY(window.error_label()->text().contains("folder"));

    // A good image clears the error.
    QVERIFY(window.inspect_file(image_));
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    QVERIFY(window.error_label()->isHidden());

    // Without a workspace there is nothing to inspect with.
    ui::InspectorWindow lonely;
    QVERIFY(!lonely.inspect_file(image_));
    QVERIFY(lonely.error_label()->text().contains("workspace"));
}

void TestInspector::pasted_images_are_inspected() {
    ui::InspectorWindow window;
    window.set_workspace(workspace_);
    QImage image;
    QVERIFY(image.load(image_));
    QVERIFY(window.inspect_image(image));
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    QCOMPARE(window.result()->display_name, QString("pasted image"));
    QVERIFY(window.feature_view()->model()->rowCount() > 0);

    QApplication::clipboard()->setImage(image);
    if (!QApplication::clipboard()->image().isNull()) {
        window.paste_image();
        QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
        QCOMPARE(window.result()->display_name, QString("pasted image"));
    }
    QVERIFY(!window.inspect_image(QImage()));
    QVERIFY(!window.error_label()->isHidden());

    // Dropping an image file on the window inspects it.
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(image_)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
    QApplication::sendEvent(&window, &drop);
    QVERIFY(window.is_running());
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    QCOMPARE(window.result()->display_name, QString("item.png"));
}

void TestInspector::go_to_feature_selects_it_in_the_explorer() {
    ui::MainWindow main;
    QVERIFY(main.open_workspace(workspace_));
    QVERIFY2(main.wait_until_loaded(), qPrintable(main.last_error()));
    ui::InspectorWindow* inspector = main.show_inspector();
    QCOMPARE(main.inspector(), inspector);
    QVERIFY(inspector->inspect_file(image_));
    QVERIFY2(inspector->wait_until_done(), qPrintable(inspector->last_error()));
    const QString layer = inspector->current_layer();
    const int feature = int(inspector->current_feature());
    QVERIFY(feature >= 0);
    QSignalSpy requested(inspector, &ui::InspectorWindow::feature_requested);
    QTest::mouseClick(inspector->explorer_button(), Qt::LeftButton);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.front().at(0).toString(), layer);
    QCOMPARE(requested.front().at(1).toInt(), feature);

    ui::ExplorerWidget* explorer = main.explorer();
    const int index = int(explorer->session()->layer_names().indexOf(layer));
    QVERIFY2(index >= 0, qPrintable(layer));
    QCOMPARE(explorer->current_layer(), index);
    QVERIFY(explorer->wait_for_layer());
    QTRY_COMPARE(explorer->current_feature(), feature);
    QVERIFY(!explorer->go_to_feature("no such layer", 0));
}

void TestInspector::the_strip_shows_each_layers_best_feature() {
    ui::InspectorWindow window;
    window.resize(1280, 780);
    window.show();
    window.set_workspace(workspace_);
    QVERIFY(window.inspect_file(image_));
    QVERIFY2(window.wait_until_done(), qPrintable(window.last_error()));
    const auto& result = window.result();
    const core::LayerInspection& shown =
        result->inspection.layers[size_t(window.layer_selector()->currentIndex())];

    // Default node: the best node of the selected feature.
    const auto label = window.feature_model()->label_at(0);
    QVERIFY(label.has_value());
    QCOMPARE(window.strip_node(), label->node);
    QCOMPARE(window.node_selector()->currentData().toInt(), label->node);

    // Each bar: the layer's best feature for the node (read here from the analysis file) and
    // the code the inspection computed for it.
    auto workspace = core::Workspace::open(workspace_.toStdString());
    QVERIFY(workspace.has_value());
    auto check_bars = [&](int node) {
        const ui::LayerFeatureStrip* strip = window.layer_strip();
        QCOMPARE(strip->bars().size(), int(result->inspection.layers.size()));
        int with_bars = 0;
        for (int i = 0; i < strip->bars().size(); ++i) {
            const ui::StripBar& bar = strip->bars()[i];
            const core::LayerInspection& layer = result->inspection.layers[size_t(i)];
            QCOMPARE(bar.layer, QString::fromStdString(layer.layer));
            auto analysis = core::load_layer_analysis(workspace->paths().analysis(layer.layer));
            if (!analysis) {
                QCOMPARE(bar.feature, int64_t(-1));
                continue;
            }
            const int32_t best = analysis->node_best_feature[size_t(node)];
            QCOMPARE(bar.feature, int64_t(best));
            if (best < 0) {
                continue;  // no feature of the layer detects the node
            }
            QCOMPARE(bar.value, layer.codes[size_t(best)]);
            QCOMPARE(bar.f1, analysis->node_best_f1[size_t(node)]);
            QCOMPARE(bar.scale, analysis->act_max[size_t(best)]);
            QVERIFY(strip->fraction(i) >= 0.0 && strip->fraction(i) <= 1.0);
            QVERIFY(strip->tooltip(i).contains(QString::number(bar.feature)));
            ++with_bars;
        }
        QVERIFY(with_bars > 0);  // every demo layer is analysed
    };
    check_bars(label->node);
    QCOMPARE(window.layer_strip()->current(), window.layer_selector()->currentIndex());

    // Another node (the taxonomy's root) from the node selector.
    QVERIFY(window.set_strip_node(0));
    QCOMPARE(window.strip_node(), 0);
    check_bars(0);
    QVERIFY(!window.set_strip_node(-1));

    // Clicking another layer's bar selects that layer and feature; the node stays.
    const ui::LayerFeatureStrip* strip = window.layer_strip();
    int target = -1;
    for (int i = 0; i < strip->bars().size(); ++i) {
        if (strip->bars()[i].feature >= 0 &&
            result->inspection.layers[size_t(i)].layer != shown.layer) {
            target = i;
        }
    }
    QVERIFY(target >= 0);
    const ui::StripBar bar = strip->bars()[target];
    QVERIFY(!strip->bar_rect(target).isEmpty());
    QTest::mouseClick(window.layer_strip(), Qt::LeftButton, {}, strip->bar_rect(target).center());
    QCOMPARE(window.current_layer(), bar.layer);
    QCOMPARE(window.current_feature(), bar.feature);
    QCOMPARE(window.layer_strip()->current(), target);
    QCOMPARE(window.strip_node(), 0);
    // A feature outside the layer's top ones gets a row of its own and its maps.
    const core::LayerInspection& chosen = result->inspection.layers[size_t(target)];
    const int row = window.feature_model()->row_of_feature(bar.feature);
    QVERIFY(row >= 0);
    QCOMPARE(window.feature_model()->value_at(row), chosen.codes[size_t(bar.feature)]);
    if (window.feature_model()->is_extra(row)) {
        QVERIFY(window.wait_for_maps());
        QVERIFY(window.feature_model()->label_at(row).has_value());
    }
    if (chosen.grid.rows > 0) {
        QVERIFY(window.heatmap_view()->has_heat());
    }
    // Clicking the original layer's bar goes back to it.
    const int back = window.layer_selector()->findData(QString::fromStdString(shown.layer));
    QTest::mouseClick(window.layer_strip(), Qt::LeftButton, {}, strip->bar_rect(back).center());
    QCOMPARE(window.current_layer(), QString::fromStdString(shown.layer));
    QCOMPARE(window.current_feature(), strip->bars()[back].feature);
    window.wait_for_maps();
}

void TestInspector::grid_heatmaps_overlay_the_top_images() {
    core::NullProgress progress;
    auto opened = ui::WorkspaceSession::open(workspace_.toStdString(), progress, {});
    QVERIFY2(opened.has_value(), opened ? "" : opened.error().message.c_str());
    const std::shared_ptr<const ui::WorkspaceSession> session = *opened;
    // The deepest analysed layer (the demo's are token layers with a patch grid).
    const int layer = session->layer_count() - 1;
    auto analysis = session->layer(layer);
    QVERIFY(analysis.has_value());
    int feature = -1;
    for (int64_t j = 0; j < (*analysis)->d_sae && feature < 0; ++j) {
        if ((*analysis)->fire_count[size_t(j)] >= (*analysis)->k) {
            feature = int(j);
        }
    }
    QVERIFY(feature >= 0);

    ui::ThumbnailCache thumbnails(96);
    ui::FeatureDetailPanel panel(&thumbnails);
    ui::ImageGridModel* grid = panel.grid_model();
    QAbstractItemModelTester tester(grid, QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.show_feature(session, layer, *analysis, feature);
    QVERIFY(grid->rowCount() > 0);
    QVERIFY2(panel.heatmap_toggle()->isEnabled(), qPrintable(panel.heatmap_toggle()->toolTip()));
    auto decoration = [&](int row) {
        return grid->index(row)
            .data(Qt::DecorationRole)
            .value<QPixmap>()
            .toImage()
            .convertToFormat(QImage::Format_RGB32);
    };
    for (int row = 0; row < grid->rowCount(); ++row) {
        decoration(row);  // starts the thumbnail decodes
    }
    thumbnails.wait_for_loads();
    QCoreApplication::processEvents();
    QVector<QImage> plain;
    for (int row = 0; row < grid->rowCount(); ++row) {
        plain << decoration(row);
        QCOMPARE(plain.back().width(), 96);
    }

    panel.heatmap_toggle()->setChecked(true);
    QVERIFY(grid->shows_overlays());
    QVERIFY(panel.grid_heatmaps()->wait_until_idle());
    QVERIFY2(panel.grid_heatmaps()->last_error().isEmpty(),
             qPrintable(panel.grid_heatmaps()->last_error()));
    QCOMPARE(grid->overlay_count(), grid->rowCount());

    // Where each image's patch map peaks, its thumbnail now shows the colormap's bright end.
    auto engine = ui::InspectionEngine::shared(workspace_.toStdString());
    const std::string name = session->layer_names()[layer].toStdString();
    for (int row = 0; row < grid->rowCount(); ++row) {
        const QString ref = grid->images()[row].ref;
        QVERIFY(grid->index(row).data(ui::ImageGridModel::HasOverlayRole).toBool());
        const QImage overlay = decoration(row);
        QCOMPARE(overlay.size(), plain[row].size());
        QVERIFY(overlay != plain[row]);
        auto prepared = engine->prepare_ref(ref.toStdString(), progress);
        QVERIFY(prepared.has_value());
        auto maps = engine->layer_maps(*prepared, name, {feature}, false, progress, {});
        QVERIFY2(maps.has_value(), maps ? "" : maps.error().message.c_str());
        const std::vector<float>& patch = maps->maps.front().patch;
        const auto peak = std::max_element(patch.begin(), patch.end()) - patch.begin();
        QCOMPARE(panel.grid_heatmaps()->peak(session->layer_names()[layer], feature, ref),
                 patch[size_t(peak)]);
        if (!(patch[size_t(peak)] > 0.0f)) {
            continue;  // a map that is zero everywhere is drawn dark
        }
        const int rows = maps->grid.rows;
        const int cols = maps->grid.cols;
        const int x = int((double(peak % cols) + 0.5) * overlay.width() / cols);
        const int y = int((double(peak / cols) + 0.5) * overlay.height() / rows);
        QVERIFY2(distance(overlay.pixel(x, y), plain[row].pixel(x, y)) > 30,
                 qPrintable(QString("row %1 at %2,%3").arg(row).arg(x).arg(y)));
    }

    // Off: the thumbnails are back, unchanged.
    panel.heatmap_toggle()->setChecked(false);
    for (int row = 0; row < grid->rowCount(); ++row) {
        QCOMPARE(decoration(row), plain[row]);
        QVERIFY(!grid->index(row).data(ui::ImageGridModel::HasOverlayRole).toBool());
    }
    // On again: from the cache, nothing to compute.
    panel.set_show_heatmaps(true);
    QVERIFY(panel.heatmap_toggle()->isChecked());
    QVERIFY(!panel.grid_heatmaps()->is_busy());
    QCOMPARE(panel.grid_heatmaps()->remaining(), 0);
    QVERIFY(decoration(0) != plain[0]);
    // Another feature drops the overlays of the previous one.
    panel.show_feature(session, layer, *analysis, feature == 0 ? 1 : 0);
    QVERIFY(panel.grid_heatmaps()->wait_until_idle());
    panel.heatmap_toggle()->setChecked(false);
}

void TestInspector::headless_screenshot() {
#ifndef TAXOSCOPE_GUI_PATH
    QSKIP("the taxoscope GUI is not built");
#else
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("QT_QPA_PLATFORM", "offscreen");
    environment.insert("XDG_CONFIG_HOME", settings_.path());
    const QString out = dir_.filePath("inspector.png");
    const test::ProcessResult shot = test::run_program(
        TAXOSCOPE_GUI_PATH, {workspace_, "--inspect", image_, "--screenshot", out}, environment);
    QVERIFY2(shot.exit_code == 0, qPrintable(shot.all()));
    QImage image;
    QVERIFY(image.load(out));
    QVERIFY(image.width() >= 800 && image.height() >= 500);

    const test::ProcessResult bad_layer = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--inspect", image_, "--layer", "nope", "--screenshot", out}, environment);
    QCOMPARE(bad_layer.exit_code, 2);
    QVERIFY2(bad_layer.err.contains("nope"), qPrintable(bad_layer.all()));

    const test::ProcessResult bad_image = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--inspect", dir_.filePath("missing.png"), "--screenshot", out}, environment);
    QCOMPARE(bad_image.exit_code, 1);
    QVERIFY2(bad_image.err.contains("missing.png"), qPrintable(bad_image.all()));

    // The explorer with the top images' heatmaps overlaid (computed before the shot).
    const QString grid = dir_.filePath("grid.png");
    const test::ProcessResult heatmaps = test::run_program(
        TAXOSCOPE_GUI_PATH,
        {workspace_, "--select-feature", "block4:0", "--grid-heatmaps", "--screenshot", grid},
        environment);
    QVERIFY2(heatmaps.exit_code == 0, qPrintable(heatmaps.all()));
    QVERIFY(image.load(grid));
#endif
}

QTEST_MAIN(TestInspector)
#include "test_inspector.moc"
