// `taxoscope-cli inspect` end to end: a workspace made by `extract`, planted SAEs, an analysis
// file with best nodes, then the report (JSON and text), overlay PNGs, and clear errors.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/sae/sae_io.h"
#include "core/store/safetensors_file.h"
#include "core/store/workspace.h"
#include "core/taxonomy/custom_taxonomy.h"
#include "core/taxonomy/taxonomy_json.h"
#include "support/inspect_fixtures.h"
#include "support/process_run.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
using taxoscope::test::run_cli;
namespace fs = std::filesystem;
namespace fx = taxoscope::test;

namespace {

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

}  // namespace

class TestInspectCli : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    fs::path root_;
    fs::path ws_;
    fs::path image_;
    int red_node_ = -1;

    QStringList args(const QStringList& extra) const {
        return QStringList{"-q",   "--threads", "2",       "inspect",  "--workspace",
                           q(ws_), "--image",   q(image_), "--device", "cpu"} +
               extra;
    }

  private Q_SLOTS:
    void initTestCase() {
        root_ = dir_.path().toStdString();
        ws_ = root_ / "ws";
        image_ = root_ / "red_patch.png";
        fx::write_red_patch_image(image_);
        const fs::path model = root_ / "vit.pt";
        fx::save_model(fx::patch_vit(), model, fx::patch_vit_metadata());
        for (int i = 0; i < 6; ++i) {
            fx::write_test_image(root_ / "images" / (i % 2 ? "n02084071" : "n02121808") /
                                     ("p" + std::to_string(i) + ".png"),
                                 16, 16, i);
        }
        auto made =
            run_cli({"-q", "--threads", "2", "extract", "--model", q(model), "--images",
                     q(root_ / "images"), "--out", q(ws_), "--device", "cpu", "--workers", "1"});
        QVERIFY2(made.exit_code == 0, qPrintable(made.all()));

        const WorkspacePaths paths(ws_);
        QVERIFY(save_sae(paths.sae_dir("block0"), fx::colour_sae()));
        QVERIFY(save_sae(paths.sae_dir("pooled"), fx::colour_sae()));
        // "embed" gets no SAE: `--layer all` skips it.

        auto taxonomy = parse_custom_taxonomy(
            "[classes]\nred\nblue\n[edges]\nred\tcolour\nblue\tcolour\n[names]\nred\tred things\n",
            "t.tsv");
        QVERIFY2(taxonomy, taxonomy ? "" : taxonomy.error().message.c_str());
        QVERIFY(save_taxonomy_json(*taxonomy, paths.taxonomy()));
        red_node_ = taxonomy->class_leaf(0);
        const std::vector<int32_t> best{red_node_, 0, 0};
        const std::vector<float> f1{0.75f, 0.125f, 0.5f};
        fs::create_directories(paths.analysis_dir());
        QVERIFY(write_safetensors(paths.analysis("block0"),
                                  {{"best_node", {best.data(), DType::I32, {3}}},
                                   {"best_f1", {f1.data(), DType::F32, {3}}}}));
    }

    void json_report_and_overlays() {
        const fs::path out = root_ / "maps";
        auto run = run_cli(args({"--top", "5", "--out", q(out), "--json"}));
        QVERIFY2(run.exit_code == 0, qPrintable(run.all()));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(report["device"].toString(), QString("cpu"));
        QCOMPARE(report["skipped_layers"].toArray().at(0).toString(), QString("embed"));
        const QJsonArray layers = report["layers"].toArray();
        QCOMPARE(layers.size(), 2);
        const QJsonObject block0 = layers.at(0).toObject();
        QCOMPARE(block0["layer"].toString(), QString("block0"));
        QCOMPARE(block0["grid"].toArray().at(0).toInt(), 4);
        const QJsonObject top = block0["features"].toArray().at(0).toObject();
        QCOMPARE(top["feature"].toInt(), 0);
        QVERIFY(std::abs(top["activation"].toDouble() - 6.0) < 1e-3);
        const QJsonObject node = top["best_node"].toObject();
        QCOMPARE(node["index"].toInt(), red_node_);
        QCOMPARE(node["name"].toString(), QString("red things"));
        QCOMPARE(node["f1"].toDouble(), 0.75);

        const QJsonObject maps = block0["maps"].toArray().at(0).toObject();
        QCOMPARE(maps["patch_peak"].toObject()["row"].toInt(), fx::kRedRow);
        QCOMPARE(maps["patch_peak"].toObject()["col"].toInt(), fx::kRedCol);
        QCOMPARE(maps["relevance_peak"].toObject()["col"].toInt(), fx::kRedCol);
        for (const char* key : {"patch_png", "relevance_png"}) {
            const std::string png = maps[key].toString().toStdString();
            QVERIFY2(fs::exists(png), png.c_str());
            const cv::Mat image = cv::imread(png);
            QCOMPARE(image.cols, 16);
            QCOMPARE(image.rows, 16);
        }
        QVERIFY(fs::exists(out / "block0" / "f0_patch.png"));

        // The pooled layer: its features without maps, and the reason.
        const QJsonObject pooled = layers.at(1).toObject();
        QVERIFY(!pooled["features"].toArray().isEmpty());
        QVERIFY(pooled["maps"].toArray().isEmpty());
        QVERIFY(pooled["note"].toString().contains("no patch tokens"));
        QVERIFY(!pooled["features"].toArray().at(0).toObject().contains("best_node"));
    }

    void text_report() {
        auto run = run_cli(args({"--layer", "block0", "--no-relevance", "--on-original", "--out",
                                 q(root_ / "text_maps")}));
        QVERIFY2(run.exit_code == 0, qPrintable(run.all()));
        QVERIFY2(run.out.contains("layer block0 (tokens, 3 features, 4x4 patch grid)"),
                 qPrintable(run.out));
        QVERIFY2(
            run.out.contains(QRegularExpression(R"(feature +0 +(5\.99|6\.00)\d\d +red red things )"
                                                R"(\(F1 0\.750\))")),
            qPrintable(run.out));
        QVERIFY(run.out.contains("patch peak at (1, 2)"));
        QVERIFY(!run.out.contains("relevance peak"));
        QVERIFY(fs::exists(root_ / "text_maps" / "block0" / "f0_patch.png"));
        QVERIFY(!fs::exists(root_ / "text_maps" / "block0" / "f0_relevance.png"));
    }

    void errors_are_clear() {
        const fs::path corrupt = root_ / "corrupt.jpg";
        std::ofstream(corrupt) << "not a jpeg at all";
        auto bad = run_cli(
            {"-q", "inspect", "--workspace", q(ws_), "--image", q(corrupt), "--device", "cpu"});
        QCOMPARE(bad.exit_code, 1);
        QVERIFY2(bad.err.contains("corrupt.jpg: not a decodable image"), qPrintable(bad.err));

        auto pooled = run_cli(args({"--layer", "pooled", "--features", "0"}));
        QCOMPARE(pooled.exit_code, 1);
        QVERIFY2(pooled.err.contains("'pooled' is pooled ([B, D]): it has no patch tokens"),
                 qPrintable(pooled.err));

        auto no_sae = run_cli(args({"--layer", "embed"}));
        QCOMPARE(no_sae.exit_code, 1);
        QVERIFY2(no_sae.err.contains("layer 'embed'"), qPrintable(no_sae.err));

        auto unknown = run_cli(args({"--layer", "block7"}));
        QCOMPARE(unknown.exit_code, 1);
        QVERIFY2(unknown.err.contains("no layer named 'block7'"), qPrintable(unknown.err));

        // An SAE of the wrong width for its layer.
        const fs::path wrong = root_ / "ws_wrong";
        fs::copy(ws_, wrong, fs::copy_options::recursive);
        fs::remove_all(WorkspacePaths(wrong).sae_dir("pooled"));
        QVERIFY(save_sae(WorkspacePaths(wrong).sae_dir("pooled"),
                         fx::planted_sae({{1, 0, 0, 0, 0}}, {0.0f})));
        auto width = run_cli({"-q", "inspect", "--workspace", q(wrong), "--image", q(image_),
                              "--device", "cpu", "--layer", "pooled"});
        QCOMPARE(width.exit_code, 1);
        QVERIFY2(width.err.contains("'pooled' is 4 wide but its SAE"), qPrintable(width.err));
    }
};

QTEST_APPLESS_MAIN(TestInspectCli)
#include "test_inspect_cli.moc"
