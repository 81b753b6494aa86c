// `taxoscope-cli extract` end to end: a workspace numpy can read, kill -9 and resume to
// byte-identical files, and clear errors (exit code 1, nothing overwritten) for bad input.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/store/atomic_file.h"
#include "core/store/npy_file.h"
#include "core/store/tensor_view_torch.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

struct Run {
    int exit_code = -1;
    QString out;
    QString err;
};

Run run_cli(const QStringList& args,
            const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(TAXOSCOPE_CLI_PATH, args);
    Run r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

std::string bytes_of(const fs::path& path) {
    return *read_text_file(path);
}

}  // namespace

class TestExtractCli : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    fs::path root_;
    fs::path model_;
    fs::path images_;

    QStringList base_args(const fs::path& out) const {
        return {"--threads", "2",        "-q",       "extract", "--model", q(model_),
                "--images",  q(images_), "--out",    q(out),    "--batch", "3",
                "--workers", "2",        "--device", "cpu"};
    }

  private Q_SLOTS:
    void initTestCase() {
        root_ = dir_.path().toStdString();
        model_ = root_ / "vit.pt";
        images_ = root_ / "images";
        taxoscope::test::save_model(taxoscope::test::tiny_vit(), model_,
                                    taxoscope::test::tiny_vit_metadata());
        for (int i = 0; i < 20; ++i) {
            taxoscope::test::write_test_image(images_ / (i % 3 == 0 ? "n02084071" : "n02121808") /
                                                  ("p" + std::to_string(100 + i) + ".jpg"),
                                              20 + i, 17 + i % 4, i);
        }
        std::ofstream(images_ / "n02084071" / "p999.jpg") << "not a jpeg";
    }

    void extract_writes_a_workspace_numpy_reads() {
        const fs::path out = root_ / "ws";
        const Run r = run_cli(base_args(out) << "--dtype"
                                             << "f32");
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("finished"));
        QVERIFY(r.out.contains("20 images"));
        QVERIFY(r.out.contains("1 skipped"));
        for (const char* file : {"workspace.json", "images.tsv", "extract_report.tsv",
                                 "activations/blocks.0.npy", "activations/pooled.npy"}) {
            QVERIFY2(fs::exists(out / file), file);
        }
        QVERIFY(!fs::exists(out / "extract_progress.json"));
        QVERIFY(bytes_of(out / "extract_report.tsv").find("p999.jpg") != std::string::npos);

        QProcess python;
        python.start("/usr/bin/python3",
                     {"-c", QString("import numpy as np; a = np.load('%1', mmap_mode='r'); "
                                    "print(a.dtype, a.shape, repr(float(a[19, 7])))")
                                .arg(q(out / "activations" / "blocks.1.npy"))});
        if (!python.waitForFinished(60000) || python.exitCode() != 0) {
            QSKIP("/usr/bin/python3 with numpy is not available");
        }
        auto ours = NpyFile::open(out / "activations" / "blocks.1.npy");
        QVERIFY(ours);
        const float value = to_torch(ours->view())[19][7].item<float>();
        const QString expected =
            QString("float32 (20, 8) %1").arg(static_cast<double>(value), 0, 'g', 17);
        const QString got = QString::fromUtf8(python.readAllStandardOutput()).trimmed();
        QCOMPARE(got.section(' ', 0, 2), expected.section(' ', 0, 2));
        QVERIFY(std::abs(got.section(' ', 3).toDouble() - value) < 1e-12);
    }

    void killed_run_resumes_to_identical_files() {
        const fs::path whole = root_ / "whole";
        QCOMPARE(run_cli(base_args(whole)).exit_code, 0);

        const fs::path killed = root_ / "killed";
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("TAXOSCOPE_TEST_CRASH_AFTER_BATCHES", "4");
        const Run crashed = run_cli(base_args(killed), env);
        QCOMPARE(crashed.exit_code, 137);
        QVERIFY(fs::exists(killed / "extract_progress.json"));
        QVERIFY(!fs::exists(killed / "workspace.json"));
        QVERIFY(fs::exists(killed / "activations" / "blocks.0.npy.partial"));

        const Run resumed = run_cli(base_args(killed));
        QVERIFY2(resumed.exit_code == 0, qPrintable(resumed.err));
        QVERIFY(resumed.out.contains("resumed"));
        for (const char* file : {"activations/blocks.0.npy", "activations/blocks.1.npy",
                                 "activations/pooled.npy", "images.tsv", "extract_report.tsv"}) {
            QVERIFY2(bytes_of(whole / file) == bytes_of(killed / file), file);
        }
        QVERIFY(!fs::exists(killed / "activations" / "blocks.0.npy.partial"));
    }

    void bad_input_fails_clearly_and_changes_nothing() {
        std::ofstream(root_ / "notes.pt") << "just text";
        Run r = run_cli({"extract", "--model", q(root_ / "notes.pt"), "--images", q(images_),
                         "--out", q(root_ / "x1")});
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains("notes.pt: not a TorchScript file"), qPrintable(r.err));
        QVERIFY(!fs::exists(root_ / "x1"));

        r = run_cli(base_args(root_ / "x2") << "--layers"
                                            << "blocks.0,blocks.9");
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains("no layer named 'blocks.9'; available layers: blocks.0, "
                                "blocks.1, pooled"),
                 qPrintable(r.err));
        QVERIFY(!fs::exists(root_ / "x2"));

        fs::create_directories(root_ / "empty" / "n02084071");
        r = run_cli({"extract", "--model", q(model_), "--images", q(root_ / "empty"), "--out",
                     q(root_ / "x3")});
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains("no images"), qPrintable(r.err));

        std::ofstream(root_ / "classes.tsv") << "wnid\tname\nn02084071\tdog\nn02121808\tcat\n";
        std::ofstream(root_ / "list.tsv") << "path\twnid\nimages/n02084071/p100.jpg\tn01440764\n";
        r = run_cli({"extract", "--model", q(model_), "--images", q(root_ / "list.tsv"),
                     "--classes", q(root_ / "classes.tsv"), "--out", q(root_ / "x4")});
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains("list.tsv:2: class 'n01440764' is not in the class set"),
                 qPrintable(r.err));

        // A finished workspace is never overwritten.
        const std::string before = bytes_of(root_ / "ws" / "workspace.json");
        r = run_cli(base_args(root_ / "ws"));
        QCOMPARE(r.exit_code, 1);
        QVERIFY(r.err.contains("already holds a finished workspace"));
        QCOMPARE(bytes_of(root_ / "ws" / "workspace.json"), before);
    }
};

QTEST_APPLESS_MAIN(TestExtractCli)
#include "test_extract_cli.moc"
