// Figure export: PNG at a DPI, SVG and PDF with provenance, and refusals that leave no file.
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include "ui/export/figure_writer.h"
#include "ui/plots/layer_profile_plot.h"

using namespace taxoscope::ui;

namespace {

Figure profile_figure() {
    LayerProfilePlot plot;  // the QPicture keeps the drawing commands, not the widget
    QVector<LayerProfileRow> layers(2);
    layers[0].layer = "embed";
    layers[0].probe_acc = 0.4;
    layers[1].layer = "block0";
    layers[1].probe_acc = 0.8;
    plot.set_layers(layers);
    return figure_of_plot(plot, QSize(480, 320));
}

Provenance provenance() {
    Provenance p;
    p.what = "layer profile";
    p.workspace = "/data/ws";
    p.model_sha256 = "abc123def";
    p.layer = "block0";
    return p;
}

QByteArray read_all(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestFigureExport : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void png_has_the_requested_resolution_and_content();
    void svg_is_vector_with_provenance();
    void pdf_has_provenance_metadata();
    void stacked_figures_add_their_heights();
    void refusals_leave_no_file();
};

void TestFigureExport::png_has_the_requested_resolution_and_content() {
    QTemporaryDir dir;
    const QString path = dir.filePath("profile.png");
    const auto written = write_figure(profile_figure(), path, 192, provenance());
    QVERIFY2(written.has_value(), written ? "" : written.error().message.c_str());
    QVERIFY(read_all(path).startsWith("\x89PNG\r\n\x1a\n"));
    QImage image(path);
    QCOMPARE(image.size(), QSize(960, 640));  // 480x320 logical at 2x
    QVERIFY(image.text("Description").contains("abc123def"));
    // Not a blank page: the plot drew dark axis lines and coloured series.
    int dark = 0;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4) {
            dark += qGray(image.pixel(x, y)) < 100 ? 1 : 0;
        }
    }
    QVERIFY2(dark > 50, qPrintable(QString::number(dark)));
}

void TestFigureExport::svg_is_vector_with_provenance() {
    QTemporaryDir dir;
    const QString path = dir.filePath("profile.svg");
    QVERIFY(write_figure(profile_figure(), path, 96, provenance()).has_value());
    const QByteArray svg = read_all(path);
    QVERIFY(svg.contains("<svg"));
    QVERIFY(svg.contains("<title>layer profile</title>"));
    QVERIFY(svg.contains("model sha256: abc123def"));
    QVERIFY(svg.contains("<path") || svg.contains("<polyline"));
    QVERIFY(svg.contains("block0"));  // tick labels stay text, not pixels
}

void TestFigureExport::pdf_has_provenance_metadata() {
    QTemporaryDir dir;
    const QString path = dir.filePath("profile.pdf");
    QVERIFY(write_figure(profile_figure(), path, 300, provenance()).has_value());
    const QByteArray pdf = read_all(path);
    QVERIFY(pdf.startsWith("%PDF-"));
    QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    QVERIFY(pdf.contains("abc123def"));  // the XMP packet
    QVERIFY(pdf.contains("/Creator"));
}

void TestFigureExport::stacked_figures_add_their_heights() {
    const Figure one = profile_figure();
    const Figure stacked = stack_figures({one, one}, 10.0);
    QCOMPARE(stacked.size, QSizeF(480, 650));
    QTemporaryDir dir;
    QVERIFY(write_figure(stacked, dir.filePath("card.png"), 96, provenance()).has_value());
    QCOMPARE(QImage(dir.filePath("card.png")).size(), QSize(480, 650));
}

void TestFigureExport::refusals_leave_no_file() {
    QTemporaryDir dir;
    const auto bad_suffix = write_figure(profile_figure(), dir.filePath("x.bmp"), 96, {});
    QVERIFY(!bad_suffix.has_value());
    QVERIFY(QString::fromStdString(bad_suffix.error().message).contains("x.bmp"));
    QVERIFY(!QFile::exists(dir.filePath("x.bmp")));
    QVERIFY(!write_figure(profile_figure(), dir.filePath("x.png"), 5, {}).has_value());
    QVERIFY(!QFile::exists(dir.filePath("x.png")));
    const auto no_folder =
        write_figure(profile_figure(), dir.filePath("missing/x.svg"), 96, provenance());
    QVERIFY(!no_folder.has_value());
    QCOMPARE(no_folder.error().code, taxoscope::core::ErrorCode::Io);
    QVERIFY(!write_figure(Figure(), dir.filePath("empty.png"), 96, {}).has_value());
}

QTEST_MAIN(TestFigureExport)
#include "test_figure_export.moc"
