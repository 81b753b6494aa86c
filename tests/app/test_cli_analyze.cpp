// `taxoscope-cli analyze` end to end on the planted workspace: the layer file and summary.json
// appear with the documented keys, a rerun skips the layer, and bad input exits non-zero with a
// message that names the problem.
#include <QtTest>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <filesystem>

#include "core/analysis/analysis_file.h"
#include "support/planted_workspace.h"
#include "support/process_run.h"

using namespace taxoscope::core;
using taxoscope::test::run_cli;
namespace fs = std::filesystem;

namespace {

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

}  // namespace

class TestCliAnalyze : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;

  private Q_SLOTS:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void analyze_writes_files_and_skips_on_rerun() {
        const auto ws =
            taxoscope::test::write_planted_workspace(fs::path(dir_.path().toStdString()) / "ws");
        auto r = run_cli({"analyze", "--workspace", q(ws.root), "--taxonomy", q(ws.taxonomy_tsv),
                          "--topk", "16", "--seed", "3"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("blocks.1: probe acc"), qPrintable(r.out));
        QVERIFY2(r.err.contains("layer blocks.1"), qPrintable(r.err));
        const WorkspacePaths paths(ws.root);
        auto a = load_layer_analysis(paths.analysis(ws.layer));
        QVERIFY2(a.has_value(), a ? "" : a.error().message.c_str());
        QCOMPARE(a->k, int64_t{16});
        QCOMPARE(a->d_sae, int64_t{10});
        QVERIFY(fs::exists(paths.taxonomy()));

        QFile f(q(paths.analysis_summary()));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject layer = QJsonDocument::fromJson(f.readAll())
                                      .object()["layers"]
                                      .toObject()["blocks.1"]
                                      .toObject();
        for (const char* key :
             {"probe_acc", "fvu", "l0", "dead_frac", "coverage", "coverage_baseline",
              "coverage_by_height", "coverage_baseline_by_height", "parameters"}) {
            QVERIFY2(layer.contains(key), key);
        }
        QCOMPARE(layer["parameters"].toObject()["k"].toInt(), 16);
        QCOMPARE(layer["parameters"].toObject()["seed"].toInt(), 3);
        QVERIFY(layer["coverage"].toDouble() > layer["coverage_baseline"].toDouble());
        QVERIFY(layer["coverage_by_height"].toArray().size() >= 3);

        // Same parameters, taxonomy now from the workspace's taxonomy.json: skipped.
        r = run_cli(
            {"--quiet", "analyze", "--workspace", q(ws.root), "--topk", "16", "--seed", "3"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("skipped"), qPrintable(r.out));
        // The device is not a parameter: a layer analysed elsewhere stays up to date.
        r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root), "--topk", "16", "--seed", "3",
                     "--device", "cpu"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("skipped"), qPrintable(r.out));
        // --force recomputes.
        r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root), "--topk", "16", "--seed", "3",
                     "--force", "--no-probe", "--device", "cpu"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(!r.out.contains("skipped") && r.out.contains("probe acc n/a"), qPrintable(r.out));
    }

    void bad_input_exits_nonzero() {
        const auto ws =
            taxoscope::test::write_planted_workspace(fs::path(dir_.path().toStdString()) / "bad");
        // Without --taxonomy (and no taxonomy.json yet), a workspace whose classes carry no
        // WordNet ids cannot get a taxonomy.
        auto r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root)});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("--taxonomy"), qPrintable(r.err));

        r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root), "--taxonomy",
                     q(ws.taxonomy_tsv), "--layers", "nope"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("no layer 'nope'"), qPrintable(r.err));

        r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root), "--theta", "2"});
        QVERIFY(r.exit_code != 0);

        // Codes are never negative: a negative tau would make every feature fire everywhere.
        r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root), "--taxonomy",
                     q(ws.taxonomy_tsv), "--tau", "-0.5"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("tau must be >= 0"), qPrintable(r.err));
        QVERIFY(!fs::exists(WorkspacePaths(ws.root).analysis(ws.layer)));

        // Names a device that no machine has: refused when the SAE kernel is built.
        r = run_cli({"--quiet", "analyze", "--workspace", q(ws.root), "--taxonomy",
                     q(ws.taxonomy_tsv), "--device", "cuda:99"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("'cuda:99'"), qPrintable(r.err));

        fs::remove_all(WorkspacePaths(ws.root).sae_dir(ws.layer));
        r = run_cli(
            {"--quiet", "analyze", "--workspace", q(ws.root), "--taxonomy", q(ws.taxonomy_tsv)});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("no layer has an SAE"), qPrintable(r.err));
    }
};

QTEST_APPLESS_MAIN(TestCliAnalyze)
#include "test_cli_analyze.moc"
