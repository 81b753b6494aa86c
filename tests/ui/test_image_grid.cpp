// Thumbnails decode off the main thread into the grid model; broken files are reported.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QPixmap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "ui/data/thumbnail_cache.h"
#include "ui/models/image_grid_model.h"

using namespace taxoscope::ui;

class TestImageGrid : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void thumbnails_arrive_in_the_cells();
    void a_broken_image_is_reported_not_fatal();
    void overlays_replace_thumbnails_while_shown();
};

void TestImageGrid::thumbnails_arrive_in_the_cells() {
    QTemporaryDir dir;
    QImage red(64, 40, QImage::Format_RGB888);
    red.fill(QColor(250, 10, 10));
    const QString path = dir.filePath("red.png");
    QVERIFY(red.save(path));

    ThumbnailCache cache(32);
    ImageGridModel model(&cache);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.set_images({GridImage{7, path, "cat", 2.5, true}});
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(model.index(0).data().toString().startsWith("cat\n2.5"));
    QCOMPARE(model.index(0).data(ImageGridModel::ImageIndexRole).toLongLong(), 7LL);
    // First paint: a placeholder while the decode runs.
    model.index(0).data(Qt::DecorationRole);
    QVERIFY(changed.wait(5000));
    const QImage thumbnail = model.index(0).data(Qt::DecorationRole).value<QPixmap>().toImage();
    QCOMPARE(thumbnail.width(), 32);  // aspect kept: 64x40 -> 32x20
    QCOMPARE(thumbnail.height(), 20);
    QCOMPARE(QColor(thumbnail.pixel(10, 10)).red(), 250);
}

void TestImageGrid::a_broken_image_is_reported_not_fatal() {
    QTemporaryDir dir;
    const QString path = dir.filePath("broken.jpg");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a jpeg at all");
    file.close();

    ThumbnailCache cache(32);
    QSignalSpy failed(&cache, &ThumbnailCache::thumbnail_failed);
    QVERIFY(cache.request(path).isNull());
    QVERIFY(failed.wait(5000));
    QCOMPARE(failed.front().at(0).toString(), path);
    QVERIFY(!failed.front().at(1).toString().isEmpty());
    // Not retried on every paint.
    QVERIFY(cache.request(path).isNull());
    cache.wait_for_loads();
    QCoreApplication::processEvents();
    QCOMPARE(failed.count(), 1);
    QString error;
    QVERIFY(ThumbnailCache::load_full(dir.filePath("missing.png"), &error).isNull());
    QVERIFY(error.contains("missing.png"));
}

void TestImageGrid::overlays_replace_thumbnails_while_shown() {
    QTemporaryDir dir;
    QImage grey(32, 32, QImage::Format_RGB888);
    grey.fill(QColor(128, 128, 128));
    const QString path = dir.filePath("grey.png");
    QVERIFY(grey.save(path));

    ThumbnailCache cache(32);
    ImageGridModel model(&cache);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.set_images({GridImage{0, path, "cat", 1.0, true}});
    QImage thumbnail = cache.load_now(path);
    model.index(0).data(Qt::DecorationRole);
    cache.wait_for_loads();
    QCoreApplication::processEvents();
    auto shown = [&] {
        return model.index(0).data(Qt::DecorationRole).value<QPixmap>().toImage().pixel(5, 5);
    };
    QCOMPARE(QColor(shown()).red(), 128);

    QImage overlay(32, 32, QImage::Format_RGB888);
    overlay.fill(QColor(250, 200, 20));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.set_overlay(path, overlay);  // hidden until shown
    QCOMPARE(changed.count(), 0);
    QVERIFY(!model.index(0).data(ImageGridModel::HasOverlayRole).toBool());
    model.set_show_overlays(true);
    QCOMPARE(changed.count(), 1);
    QVERIFY(model.index(0).data(ImageGridModel::HasOverlayRole).toBool());
    QCOMPARE(QColor(shown()).red(), 250);
    model.set_show_overlays(false);
    QCOMPARE(QColor(shown()).red(), 128);
    model.set_show_overlays(true);
    model.clear_overlays();
    QCOMPARE(model.overlay_count(), 0);
    QCOMPARE(QColor(shown()).red(), 128);  // no overlay: the thumbnail
}

QTEST_MAIN(TestImageGrid)
#include "test_image_grid.moc"
