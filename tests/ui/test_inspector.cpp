// The image inspector on the quick demo workspace (`taxoscope-cli demo --quick`, Fashion-MNIST):
// inspecting a Fashion-MNIST PNG fills the feature table (sortable, a valid model) and predicts
// the class, the selected feature's heatmap changes the pixels where its map is high, cancel
// stops the task, unreadable images give an error naming the file, pasted images and "go to
// feature" work, and `taxoscope WS --inspect IMG --screenshot FILE` writes the inspector PNG.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QMimeData>
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

#include "core/data/fashion_mnist.h"
#include "support/process_run.h"
#include "ui/explorer/explorer_widget.h"
#include "ui/explorer/workspace_session.h"
#include "ui/inspector/heat_legend.h"
#include "ui/inspector/heatmap_view.h"
#include "ui/inspector/inspection_feature_model.h"
#include "ui/inspector/inspection_result.h"
#include "ui/inspector/inspector_window.h"
#include "ui/main_window.h"

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
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
    QCoreApplication::setOrganizationName("taxoscope-tests");
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
#endif
}

QTEST_MAIN(TestInspector)
#include "test_inspector.moc"
