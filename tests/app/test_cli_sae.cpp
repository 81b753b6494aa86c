// SAE commands end to end: import-sae (width checks, --force), sae-info (text and JSON), encode
// (float32 and float16 activations against numpy's reference codes; --device, with CUDA where
// there is a device and its refusal where there is none), train-sae on a workspace.
#include <QtTest>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>
#include <filesystem>
#include <random>

#include <torch/cuda.h>

#include "core/store/npy_file.h"
#include "core/store/workspace.h"
#include "support/float_arrays.h"
#include "support/process_run.h"

using namespace taxoscope::core;
using taxoscope::test::max_abs_diff;
using taxoscope::test::read_float_npy;
using taxoscope::test::run_cli;
namespace fs = std::filesystem;

namespace {

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

}  // namespace

class TestCliSae : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;
    fs::path root_;
    fs::path fixtures_;
    fs::path ws_;

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        root_ = dir_.path().toStdString();
        fixtures_ = root_ / "foreign";
        QProcess p;
        p.start("/usr/bin/python3",
                {QStringLiteral(TAXOSCOPE_SOURCE_DIR) + "/tests/support/write_foreign_saes.py",
                 q(fixtures_)});
        if (!p.waitForFinished(120000) || p.exitCode() != 0) {
            QSKIP("/usr/bin/python3 with numpy is needed to write the foreign SAE fixtures");
        }
        // A workspace with a 16-wide layer (random activations) and a 24-wide one.
        ws_ = root_ / "ws";
        WorkspacePaths paths(ws_);
        fs::create_directories(paths.activations_dir());
        WorkspaceManifest m;
        m.image_count = 640;
        m.layers = {{"blocks.1", 16, "pooled"}, {"blocks.2", 24, "pooled"}};
        m.token = "pooled";
        m.dtype = "float32";
        m.created = utc_timestamp_now();
        QVERIFY(write_manifest(paths.manifest(), m).has_value());
        std::mt19937 gen(5);
        std::normal_distribution<float> normal;
        for (const auto& layer : m.layers) {
            std::vector<float> x(static_cast<size_t>(640 * layer.dim));
            for (float& v : x) {
                v = normal(gen);
            }
            QVERIFY(write_npy(paths.activations(layer.name),
                              TensorView{x.data(), DType::F32, {640, layer.dim}})
                        .has_value());
        }
    }

    void import_then_info_then_encode() {
        auto r = run_cli({"--quiet", "import-sae", "--workspace", q(ws_), "--layer", "blocks.1",
                          q(fixtures_ / "sparsify_topk")});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(r.out.contains("sparsify"));
        const fs::path sae = WorkspacePaths(ws_).sae_dir("blocks.1");
        QVERIFY(fs::exists(sae / "cfg.json") && fs::exists(sae / "sae_weights.safetensors"));

        r = run_cli({"sae-info", q(sae), "--json"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info["architecture"].toString(), QString("topk"));
        QCOMPARE(info["d_in"].toInt(), 16);
        QCOMPARE(info["d_sae"].toInt(), 48);
        QCOMPARE(info["k"].toInt(), 5);
        QCOMPARE(info["source_format"].toString(), QString("taxoscope"));
        QCOMPARE(info["imported_from"].toString(), QString("sparsify"));
        QCOMPARE(info["dtype"].toString(), QString("float32"));

        r = run_cli({"sae-info", q(fixtures_ / "saelens_legacy_topk" / "cfg.json")});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(r.out.contains("saelens-legacy"));
        QVERIFY(r.out.contains("k = 5"));

        r = run_cli({"--quiet", "encode", "--sae", q(sae), "--activations", q(fixtures_ / "x.npy"),
                     "--out", q(root_ / "z.npy")});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(max_abs_diff(read_float_npy(root_ / "z.npy"),
                             read_float_npy(fixtures_ / "sparsify_topk" / "ref_codes.npy")) < 1e-5);

        // float16 activations, straight from a foreign folder.
        r = run_cli({"--quiet", "encode", "--sae", q(fixtures_ / "saelens_relu"), "--activations",
                     q(fixtures_ / "x16.npy"), "--out", q(root_ / "z16.npy")});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(max_abs_diff(read_float_npy(root_ / "z16.npy"),
                             read_float_npy(fixtures_ / "saelens_relu" / "ref_codes_x16.npy")) <
                1e-5);

        // bf16 arithmetic: close, not exact.
        r = run_cli({"--quiet", "encode", "--sae", q(fixtures_ / "saelens_relu"), "--activations",
                     q(fixtures_ / "x.npy"), "--out", q(root_ / "zb.npy"), "--precision", "bf16"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(max_abs_diff(read_float_npy(root_ / "zb.npy"),
                             read_float_npy(fixtures_ / "saelens_relu" / "ref_codes.npy")) < 0.1);
    }

    void import_refuses_what_does_not_fit() {
        auto r = run_cli({"--quiet", "import-sae", "--workspace", q(ws_), "--layer", "blocks.2",
                          q(fixtures_ / "saelens_relu")});
        QCOMPARE(r.exit_code == 0, false);
        QVERIFY2(r.err.contains("sae_weights.safetensors") && r.err.contains("W_enc") &&
                     r.err.contains("24") && r.err.contains("16") && r.err.contains("blocks.2"),
                 qPrintable(r.err));
        QVERIFY(!fs::exists(WorkspacePaths(ws_).sae_dir("blocks.2")));

        r = run_cli({"--quiet", "import-sae", "--workspace", q(ws_), "--layer", "blocks.9",
                     q(fixtures_ / "saelens_relu")});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("blocks.9"), qPrintable(r.err));

        // blocks.1 has an SAE from the test above (run in order): replacing needs --force.
        r = run_cli({"--quiet", "import-sae", "--workspace", q(ws_), "--layer", "blocks.1",
                     q(fixtures_ / "saelens_relu")});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("--force"), qPrintable(r.err));
        r = run_cli({"--quiet", "import-sae", "--force", "--workspace", q(ws_), "--layer",
                     "blocks.1", q(fixtures_ / "saelens_relu")});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));

        r = run_cli({"sae-info", q(root_ / "nothing here")});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("nothing here"), qPrintable(r.err));
    }

    void encode_runs_where_it_is_told() {
        const fs::path sae = fixtures_ / "saelens_relu";
        const auto want = read_float_npy(sae / "ref_codes.npy");
        auto encode = [&](const fs::path& out, const QStringList& extra) {
            return run_cli(QStringList{"--quiet", "encode", "--sae", q(sae), "--activations",
                                       q(fixtures_ / "x.npy"), "--out", q(out)} +
                           extra);
        };
        auto r = encode(root_ / "zcpu.npy", {"--device", "cpu"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("on cpu"), qPrintable(r.out));
        QVERIFY(max_abs_diff(read_float_npy(root_ / "zcpu.npy"), want) < 1e-5);

        r = encode(root_ / "zf16.npy", {"--device", "cpu", "--precision", "f16"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("f16") && r.err.contains("CUDA only"), qPrintable(r.err));
        QVERIFY(!fs::exists(root_ / "zf16.npy"));

        if (torch::cuda::is_available()) {
            r = encode(root_ / "zcuda.npy", {"--device", "cuda"});
            QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
            QVERIFY2(r.out.contains("on cuda:0 (torch-device)"), qPrintable(r.out));
            QVERIFY(max_abs_diff(read_float_npy(root_ / "zcuda.npy"), want) < 1e-4);
            r = encode(root_ / "zcuda16.npy", {"--device", "cuda", "--precision", "f16"});
            QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
            QVERIFY(max_abs_diff(read_float_npy(root_ / "zcuda16.npy"), want) < 0.1);
            return;
        }
        r = encode(root_ / "zcuda.npy", {"--device", "cuda:0"});
        QVERIFY(r.exit_code != 0);
#ifdef TAXOSCOPE_WITH_CUDA
        const QString why = "sees no CUDA device";
#else
        const QString why = "built without CUDA";
#endif
        QVERIFY2(r.err.contains("'cuda:0'") && r.err.contains(why), qPrintable(r.err));
        QVERIFY(!fs::exists(root_ / "zcuda.npy"));
        QSKIP("no CUDA device here: encode --device cuda was checked to refuse, not to run");
    }

    void encode_refuses_wrong_width() {
        auto r = run_cli({"--quiet", "encode", "--sae", q(fixtures_ / "saelens_relu"),
                          "--activations", q(WorkspacePaths(ws_).activations("blocks.2")), "--out",
                          q(root_ / "bad.npy")});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("24") && r.err.contains("16"), qPrintable(r.err));
        QVERIFY(!fs::exists(root_ / "bad.npy"));
    }

    void train_sae_on_a_workspace() {
        auto r = run_cli({"--quiet", "--threads",   "1",        "train-sae",   "--workspace",
                          q(ws_),    "--layers",    "blocks.2", "--expansion", "2",
                          "--topk",  "4",           "--steps",  "60",          "--batch",
                          "64",      "--log-every", "20",       "--seed",      "3"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(r.out.contains("blocks.2"));
        const fs::path sae = WorkspacePaths(ws_).sae_dir("blocks.2");
        for (const char* name : {"cfg.json", "sae_weights.safetensors", "training_log.jsonl"}) {
            QVERIFY2(fs::exists(sae / name), name);
        }
        r = run_cli({"sae-info", q(sae), "--json"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info["d_sae"].toInt(), 48);
        QCOMPARE(info["k"].toInt(), 4);
        QCOMPARE(info["hook_name"].toString(), QString("blocks.2"));
        QVERIFY(info["training"].toObject()["final"].toObject().contains("heldout_fvu"));

        r = run_cli({"--quiet", "train-sae", "--workspace", q(ws_), "--layers", "blocks.2",
                     "--steps", "10"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("--force"), qPrintable(r.err));
        r = run_cli({"--quiet", "train-sae", "--workspace", q(ws_), "--layers", "blocks.7"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("blocks.7"), qPrintable(r.err));
        r = run_cli({"train-sae", "--workspace", q(ws_), "--l1", "1", "--topk", "3"});
        QVERIFY(r.exit_code != 0);
    }
};

QTEST_APPLESS_MAIN(TestCliSae)
#include "test_cli_sae.moc"
