// packaging/export_model.py on a small random ViT (Debian's python3-torch): the activations
// `taxoscope-cli extract` stores equal the ones Python computes from the eager model, to 1e-5.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/store/npy_file.h"
#include "core/store/tensor_view_torch.h"
#include "core/store/workspace.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

bool python_has_torch() {
    QProcess p;
    p.start("/usr/bin/python3", {"-c", "import torch, cv2, numpy"});
    return p.waitForFinished(60000) && p.exitCode() == 0;
}

}  // namespace

class TestExportModel : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void exported_vit_matches_python() {
        if (!python_has_torch()) {
            QSKIP("/usr/bin/python3 lacks torch, cv2 or numpy (python3-torch, python3-opencv)");
        }
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        QStringList images;
        const int sizes[][2] = {{40, 30}, {33, 50}, {64, 64}, {32, 32}, {90, 45}};
        for (int i = 0; i < 5; ++i) {
            const fs::path path = root / "images" / "cls" / ("im" + std::to_string(i) + ".png");
            taxoscope::test::write_test_image(path, sizes[i][0], sizes[i][1], i, i == 3 ? 1 : 3);
            images << q(path);
        }
        QProcess python;
        python.start("/usr/bin/python3", QStringList{q(fs::path(TAXOSCOPE_SOURCE_DIR) / "tests" /
                                                       "support" / "tiny_vit_export.py"),
                                                     TAXOSCOPE_SOURCE_DIR, q(root)}
                                             << images);
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).trimmed(),
                 QString("blocks.0 blocks.1 blocks.2 logits"));

        QProcess cli;
        cli.start(TAXOSCOPE_CLI_PATH,
                  {"-q", "extract", "--model", q(root / "vit.pt"), "--images", q(root / "images"),
                   "--out", q(root / "ws"), "--dtype", "f32", "--batch", "2", "--device", "cpu"});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        auto ws = Workspace::open(root / "ws");
        QVERIFY2(ws, ws.error().message.c_str());
        QCOMPARE(ws->manifest().token, std::string("cls"));  // from the exported metadata
        for (const char* layer : {"blocks.0", "blocks.1", "blocks.2", "logits"}) {
            auto ours = ws->open_activations(layer);
            QVERIFY2(ours, ours.error().message.c_str());
            auto ref = NpyFile::open(root / (std::string("ref_") + layer + ".npy"));
            QVERIFY2(ref, ref.error().message.c_str());
            QCOMPARE(ours->header().shape, ref->header().shape);
            const double diff =
                (to_torch(ours->view()) - to_torch(ref->view())).abs().max().item<double>();
            qInfo("%s: max |taxoscope - python| = %.3g", layer, diff);
            QVERIFY2(diff <= 1e-5, layer);
        }
    }
};

QTEST_APPLESS_MAIN(TestExportModel)
#include "test_export_model.moc"
