// `taxoscope-cli demo --quick` end to end on Debian's Fashion-MNIST: the folder is a workspace
// every reader accepts (activations, SAEs, the model through the normal runner), a rerun changes
// nothing, a killed run resumes to the same files, and bad inputs are refused untouched.
#include <QtTest>

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "core/data/fashion_mnist.h"
#include "core/data/preprocess.h"
#include "core/model/model_runner.h"
#include "core/store/atomic_file.h"
#include "core/store/workspace.h"
#include "support/process_run.h"

using namespace taxoscope::core;
using taxoscope::test::run_cli;
namespace fs = std::filesystem;

namespace {

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

QStringList quick_demo(const fs::path& out) {
    return {"--quiet", "--threads", "2", "demo", "--quick", "--out", q(out)};
}

constexpr int kDemoTimeoutMs = 300000;

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Every file under `root`: relative path -> (modification time, bytes).
std::map<std::string, std::pair<fs::file_time_type, std::string>> snapshot(const fs::path& root) {
    std::map<std::string, std::pair<fs::file_time_type, std::string>> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) {
            files[fs::relative(entry.path(), root).string()] = {entry.last_write_time(),
                                                                file_bytes(entry.path())};
        }
    }
    return files;
}

}  // namespace

class TestCliDemo : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;
    fs::path root_;
    fs::path demo_;  // built once by the first test, read by the others

  private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(default_fashion_mnist_dir() / "train-images-idx3-ubyte.gz")) {
            QSKIP("Fashion-MNIST (Debian package dataset-fashion-mnist) is not installed");
        }
        QVERIFY(dir_.isValid());
        root_ = dir_.path().toStdString();
        demo_ = root_ / "demo";
    }

    void quick_demo_is_a_complete_workspace() {
        auto r =
            run_cli(quick_demo(demo_), QProcessEnvironment::systemEnvironment(), kDemoTimeoutMs);
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("model test accuracy"), qPrintable(r.out));

        auto ws = Workspace::open(demo_);
        QVERIFY2(ws, ws ? "" : ws.error().message.c_str());
        const auto& m = ws->manifest();
        QCOMPARE(ws->layer_names(),
                 (std::vector<std::string>{"block1", "block2", "block3", "block4"}));
        QCOMPARE(m.image_count, int64_t(500));
        QCOMPARE(m.token, std::string("cls"));
        QCOMPARE(m.classes.size(), size_t(10));
        QCOMPARE(m.classes.entries[0].wnid, std::string("n03595614"));
        QVERIFY(m.extra.contains("demo"));
        const double acc = m.extra["demo"].value("model_test_acc", -1.0);
        QVERIFY2(acc > 0.2 && acc <= 1.0, std::to_string(acc).c_str());
        QVERIFY(!fs::exists(demo_ / "extracting"));

        auto images = ws->read_images();
        QVERIFY(images);
        QCOMPARE(images->size(), size_t(500));
        QCOMPARE(images->at(299).split, std::string("train"));
        QCOMPARE(images->at(300).split, std::string("test"));
        QCOMPARE(images->at(300).path, std::string("fashion-mnist:test:0"));

        // The model loads through the runner, and its class token after block 4 for test image 0
        // is row 300 of activations/block4.npy.
        auto runner =
            ModelRunner::load(demo_ / "model" / "fashion_vit.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY2(runner, runner ? "" : runner.error().message.c_str());
        QCOMPARE(runner->layers().size(), size_t(6));
        auto test = load_fashion_mnist_split("test");
        QVERIFY(test);
        std::vector<float> x(runner->metadata().preprocess.floats_per_image());
        QVERIFY(preprocess_into(fashion_mnist_image(**test, 0), runner->metadata().preprocess,
                                x.data()));
        auto rows = runner->extract(x.data(), 1, {runner->layers()[4]}, TokenChoice::Cls);
        QVERIFY(rows);
        for (const auto& layer : ws->layer_names()) {
            auto activations = ws->open_activations(layer);
            QVERIFY2(activations, layer.c_str());
            QCOMPARE(activations->header().shape, (std::vector<int64_t>{500, 64}));
            // The SAE through the project's reader (sae-info loads it like every other tool).
            auto info = run_cli({"sae-info", q(ws->paths().sae_dir(layer))});
            QVERIFY2(info.exit_code == 0, qPrintable(info.all()));
            QVERIFY2(info.out.contains("512"), qPrintable(info.out));
        }
        auto block4 = ws->open_activations("block4");
        const float* stored = block4->row(300).as<float>();
        for (int j = 0; j < 64; ++j) {
            QVERIFY(std::abs(stored[j] - rows->at(0)[static_cast<size_t>(j)]) < 1e-4f);
        }
    }

    void rerun_changes_nothing() {
        QVERIFY(fs::exists(demo_ / "workspace.json"));
        const auto before = snapshot(demo_);
        QElapsedTimer timer;
        timer.start();
        auto r = run_cli(quick_demo(demo_));
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(timer.elapsed() < 30000, "a rerun with nothing to do is quick");
        QVERIFY(r.out.contains("skipped"));
        QVERIFY(!r.out.contains(
            QRegularExpression("^model +[0-9]", QRegularExpression::MultilineOption)));
        QVERIFY(snapshot(demo_) == before);
    }

    void killed_run_resumes_to_the_same_files() {
        const fs::path out = root_ / "killed";
        QProcess process;
        process.start(QStringLiteral(TAXOSCOPE_CLI_PATH), quick_demo(out));
        QVERIFY(process.waitForStarted());
        // Kill as soon as the run is past training: during extraction, or at the latest while the
        // SAEs train.
        QElapsedTimer timer;
        timer.start();
        while (!fs::exists(out / "extracting") && !fs::exists(out / "sae") &&
               process.state() != QProcess::NotRunning && timer.elapsed() < 120000) {
            QThread::msleep(5);
        }
        QVERIFY2(process.state() != QProcess::NotRunning, "the run ended before it was killed");
        process.kill();
        process.waitForFinished();
        QVERIFY(!fs::exists(out / "workspace.json") || !fs::exists(out / "sae" / "block4"));

        auto r = run_cli(quick_demo(out), QProcessEnvironment::systemEnvironment(), kDemoTimeoutMs);
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY(Workspace::open(out).has_value());
        // Deterministic for a seed: the resumed run ends with the uninterrupted run's data.
        for (const auto& layer : {"block1", "block4"}) {
            const auto npy = fs::path("activations") / (std::string(layer) + ".npy");
            QVERIFY2(file_bytes(out / npy) == file_bytes(demo_ / npy), layer);
            const auto weights = fs::path("sae") / layer / "sae_weights.safetensors";
            QVERIFY2(file_bytes(out / weights) == file_bytes(demo_ / weights), layer);
        }
    }

    void missing_dataset_names_the_package() {
        const fs::path out = root_ / "no-data";
        auto r = run_cli({"--quiet", "demo", "--quick", "--out", q(out), "--fashion-mnist",
                          q(root_ / "nowhere")});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("dataset-fashion-mnist"), qPrintable(r.err));
        QVERIFY2(r.err.contains(q(root_ / "nowhere")), qPrintable(r.err));
        QVERIFY(!fs::exists(out));
    }

    void foreign_folders_are_refused_untouched() {
        const fs::path out = root_ / "papers";
        fs::create_directories(out);
        QVERIFY(write_file_atomic(out / "draft.txt", "mine\n"));
        const auto before = snapshot(out);
        auto r = run_cli(quick_demo(out));
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("not empty"), qPrintable(r.err));
        QVERIFY(snapshot(out) == before);

        // The finished demo, asked for with another seed.
        const auto demo_before = snapshot(demo_);
        r = run_cli({"--quiet", "demo", "--quick", "--seed", "5", "--out", q(demo_)});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("seed 0"), qPrintable(r.err));
        QVERIFY(snapshot(demo_) == demo_before);

        // A file where the folder should be.
        r = run_cli(quick_demo(out / "draft.txt"));
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("not a folder"), qPrintable(r.err));
    }
};

QTEST_APPLESS_MAIN(TestCliDemo)
#include "test_cli_demo.moc"
