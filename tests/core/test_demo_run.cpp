// core/demo: run_demo --quick on Debian's Fashion-MNIST makes a workspace the readers accept, a
// rerun changes nothing, a cancelled run resumes to the uninterrupted run's files, and folders
// that are not demos are refused untouched.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>

#include "core/analysis/analysis_file.h"
#include "core/demo/demo_run.h"
#include "core/sae/sae_io.h"
#include "core/sae/sae_trainer.h"
#include "core/store/atomic_file.h"
#include "core/store/workspace.h"
#include "core/util/threads.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

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

DemoOptions quick(const fs::path& out) {
    DemoOptions o;
    o.out = out;
    o.quick = true;
    return o;
}

}  // namespace

class TestDemoRun : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;
    fs::path root_;
    fs::path demo_;

  private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(default_fashion_mnist_dir() / "train-images-idx3-ubyte.gz")) {
            QSKIP("Fashion-MNIST (Debian package dataset-fashion-mnist) is not installed");
        }
        apply_thread_count(2);
        root_ = dir_.path().toStdString();
        demo_ = root_ / "demo";
    }

    void quick_demo_makes_a_workspace() {
        NullProgress progress;
        auto result = run_demo(quick(demo_), progress, CancelToken());
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QVERIFY(result->model_test_acc > 0.2);
        QVERIFY(result->analysis_done);
        auto ws = Workspace::open(demo_);
        QVERIFY2(ws, ws ? "" : ws.error().message.c_str());
        for (const std::string& layer : ws->layer_names()) {
            QVERIFY2(std::filesystem::exists(ws->paths().analysis(layer)), layer.c_str());
        }
        auto summary = read_analysis_summary(ws->paths().analysis_summary());
        QVERIFY2(summary, summary ? "" : summary.error().message.c_str());
        QCOMPARE(summary->layers.size(), size_t(4));
        QCOMPARE(summary->extra.value("model_test_acc", -1.0), result->model_test_acc);
        QVERIFY(std::filesystem::exists(ws->paths().taxonomy()));
        QCOMPARE(ws->layer_names(),
                 (std::vector<std::string>{"block1", "block2", "block3", "block4"}));
        QCOMPARE(ws->manifest().image_count, int64_t(500));
        QCOMPARE(ws->manifest().extra["demo"].value("model_test_acc", -1.0),
                 result->model_test_acc);
        for (const auto& layer : ws->layer_names()) {
            auto activations = ws->open_activations(layer);
            QVERIFY2(activations, layer.c_str());
            auto sae = load_sae(ws->paths().sae_dir(layer));
            QVERIFY2(sae, sae ? layer.c_str() : sae.error().message.c_str());
            QCOMPARE(sae->config().d_in, int64_t(64));
            QCOMPARE(sae->config().d_sae, int64_t(512));
        }
        QVERIFY(fs::exists(demo_ / "model" / "fashion_vit.pt"));
        QVERIFY(!fs::exists(demo_ / "extracting"));
    }

    void rerun_changes_nothing() {
        const auto before = snapshot(demo_);
        NullProgress progress;
        auto result = run_demo(quick(demo_), progress, CancelToken());
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        for (const auto& stage : result->stages) {
            QVERIFY2(!stage.ran, stage.name.c_str());
        }
        QVERIFY(snapshot(demo_) == before);
    }

    void cancelled_run_resumes_to_the_same_files() {
        const fs::path out = root_ / "cancelled";
        CancelToken cancel;
        // Cancels in the middle of the second SAE's training.
        CallbackProgress progress(
            [&](const ProgressReport& report) {
                if (report.stage == "training SAE block2" && report.done >= 60) {
                    cancel.cancel();
                }
            },
            std::chrono::milliseconds(0));
        auto cancelled = run_demo(quick(out), progress, cancel);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        QVERIFY(fs::exists(out / "sae" / "block2" / kTrainingCheckpointFile));
        QVERIFY(!fs::exists(out / "sae" / "block3"));

        NullProgress quiet;
        auto resumed = run_demo(quick(out), quiet, CancelToken());
        QVERIFY2(resumed, resumed ? "" : resumed.error().message.c_str());
        QVERIFY(!resumed->stages.at(0).ran);  // the model was not trained again
        for (const auto& layer : {"block1", "block2", "block4"}) {
            const auto weights = fs::path("sae") / layer / "sae_weights.safetensors";
            QVERIFY2(file_bytes(out / weights) == file_bytes(demo_ / weights), layer);
        }
        QVERIFY(file_bytes(out / "activations" / "block3.npy") ==
                file_bytes(demo_ / "activations" / "block3.npy"));
    }

    void foreign_folders_are_refused_untouched() {
        NullProgress progress;
        const fs::path mine = root_ / "mine";
        fs::create_directories(mine);
        QVERIFY(write_file_atomic(mine / "notes.txt", "keep\n"));
        const auto before = snapshot(mine);
        auto refused = run_demo(quick(mine), progress, CancelToken());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY(snapshot(mine) == before);

        auto other_seed = quick(demo_);
        other_seed.seed = 3;
        const auto demo_before = snapshot(demo_);
        refused = run_demo(other_seed, progress, CancelToken());
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.find("seed 0") != std::string::npos,
                 refused.error().message.c_str());
        QVERIFY(snapshot(demo_) == demo_before);

        auto no_data = quick(root_ / "no-data");
        no_data.fashion_mnist_dir = root_ / "nowhere";
        refused = run_demo(no_data, progress, CancelToken());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::NotFound);
        QVERIFY(refused.error().message.find("dataset-fashion-mnist") != std::string::npos);
        QVERIFY(!fs::exists(root_ / "no-data"));
    }
};

QTEST_APPLESS_MAIN(TestDemoRun)
#include "test_demo_run.moc"
