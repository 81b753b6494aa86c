// The extraction pipeline in-process: results equal a direct forward, corrupt images are
// skipped and reported, a cancelled run resumes to byte-identical files, and nothing that
// exists is overwritten.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/data/dataset.h"
#include "core/data/image_ref.h"
#include "core/data/preprocess.h"
#include "core/model/extraction.h"
#include "core/store/atomic_file.h"
#include "core/store/tensor_view_torch.h"
#include "core/store/workspace.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    QTemporaryDir dir;
    fs::path root{dir.path().toStdString()};
    fs::path model = root / "vit.pt";
    fs::path images = root / "images";
    std::unique_ptr<Dataset> dataset;

    Fixture() {
        taxoscope::test::save_model(taxoscope::test::tiny_vit(), model,
                                    taxoscope::test::tiny_vit_metadata());
        for (int i = 0; i < 14; ++i) {
            const std::string cls = i % 2 == 0 ? "cat" : "dog";
            taxoscope::test::write_test_image(
                images / cls / ("im" + std::to_string(10 + i) + ".png"), 18 + i, 24 - i % 5, i,
                i == 4 ? 1 : 3);
        }
        std::ofstream(images / "dog" / "im99.png") << "corrupt";
        std::ofstream(images / "cat" / "im00.jpg");  // zero bytes
        dataset = std::move(*open_image_folder(images, nullptr));
    }

    ExtractOptions options(const fs::path& out) const {
        ExtractOptions o;
        o.model = model;
        o.out = out;
        o.runner.device = "cpu";
        o.batch = 3;
        o.workers = 2;
        o.checkpoint_seconds = 0;
        return o;
    }
};

std::string bytes_of(const fs::path& path) {
    return *read_text_file(path);
}

}  // namespace

class TestExtract : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void extraction_equals_a_direct_forward() {
        Fixture f;
        auto o = f.options(f.root / "ws");
        o.dtype = DType::F32;
        NullProgress progress;
        auto summary = extract_activations(*f.dataset, o, progress, CancelToken());
        QVERIFY2(summary, summary.error().message.c_str());
        QCOMPARE(summary->images, int64_t(14));
        QCOMPARE(summary->skipped, int64_t(2));

        auto ws = Workspace::open(f.root / "ws");
        QVERIFY2(ws, ws.error().message.c_str());
        const auto& m = ws->manifest();
        QCOMPARE(m.image_count, int64_t(14));
        QCOMPARE(m.token, std::string("cls"));
        QCOMPARE(m.dtype, std::string("float32"));
        QCOMPARE(m.layers.size(), size_t(3));
        QCOMPARE(m.layers[0].kind, std::string("tokens"));
        QCOMPARE(m.classes.entries[1].name, std::string("dog"));
        QCOMPARE(m.model_sha256.size(), size_t(64));
        QVERIFY(!fs::exists(ws->paths().extract_progress()));
        auto images = ws->read_images();
        QVERIFY(images);

        // Direct forward over the same preprocessed images, all at once.
        auto module = torch::jit::load(f.model.string());
        PreprocessSpec spec;
        spec.width = spec.height = 16;
        spec.resize_shorter = 20;
        spec.mean = {0.5f, 0.5f, 0.5f};
        spec.std = {0.25f, 0.25f, 0.25f};
        torch::Tensor x = torch::empty({14, 3, 16, 16});
        for (size_t i = 0; i < images->size(); ++i) {
            auto decoded = load_image_ref((*images)[i].path);
            QVERIFY(decoded);
            QVERIFY(preprocess_into(*decoded, spec, x[static_cast<int64_t>(i)].data_ptr<float>()));
        }
        auto out = module.forward({x}).toGenericDict();
        auto b0 = NpyFile::open(ws->paths().activations("blocks.0"));
        QVERIFY(b0);
        QCOMPARE(b0->header().shape, (std::vector<int64_t>{14, 8}));
        QVERIFY(torch::allclose(to_torch(b0->view()), out.at("blocks.0").toTensor().select(1, 0),
                                1e-5, 1e-6));
        auto pooled = ws->open_activations("pooled");
        QVERIFY(pooled);
        QVERIFY(torch::allclose(to_torch(pooled->view()), out.at("pooled").toTensor(), 1e-5, 1e-6));

        // The two bad files are listed with their reasons.
        const std::string report = bytes_of(ws->paths().extract_report());
        QVERIFY(report.rfind("index\tpath\treason\n", 0) == 0);
        QVERIFY(report.find("im00.jpg\tempty file") != std::string::npos);
        QVERIFY(report.find("im99.png\tnot a decodable image") != std::string::npos);
    }

    void cancelled_run_resumes_byte_identical() {
        Fixture f;
        NullProgress quiet;
        auto whole =
            extract_activations(*f.dataset, f.options(f.root / "whole"), quiet, CancelToken());
        QVERIFY2(whole, whole.error().message.c_str());

        CancelToken cancel;
        CallbackProgress stopper(
            [&](const ProgressReport& r) {
                if (r.done >= 6) {
                    cancel.cancel();
                }
            },
            std::chrono::milliseconds(0));
        auto stopped =
            extract_activations(*f.dataset, f.options(f.root / "resumed"), stopper, cancel);
        QVERIFY(!stopped);
        QCOMPARE(stopped.error().code, ErrorCode::Cancelled);
        QVERIFY(fs::exists(f.root / "resumed" / "extract_progress.json"));
        QVERIFY(!fs::exists(f.root / "resumed" / "workspace.json"));
        QVERIFY(!fs::exists(f.root / "resumed" / "activations" / "blocks.0.npy"));

        auto resumed =
            extract_activations(*f.dataset, f.options(f.root / "resumed"), quiet, CancelToken());
        QVERIFY2(resumed, resumed.error().message.c_str());
        QVERIFY(resumed->resumed);
        for (const char* file : {"activations/blocks.0.npy", "activations/blocks.1.npy",
                                 "activations/pooled.npy", "images.tsv", "extract_report.tsv"}) {
            QVERIFY2(bytes_of(f.root / "whole" / file) == bytes_of(f.root / "resumed" / file),
                     file);
        }
    }

    void nothing_existing_is_overwritten() {
        Fixture f;
        NullProgress quiet;
        auto o = f.options(f.root / "ws");
        QVERIFY(extract_activations(*f.dataset, o, quiet, CancelToken()));
        const std::string manifest = bytes_of(f.root / "ws" / "workspace.json");
        auto again = extract_activations(*f.dataset, o, quiet, CancelToken());
        QVERIFY(!again);
        QVERIFY(again.error().message.find("already holds a finished workspace") !=
                std::string::npos);
        QCOMPARE(bytes_of(f.root / "ws" / "workspace.json"), manifest);

        fs::create_directories(f.root / "busy");
        std::ofstream(f.root / "busy" / "notes.txt") << "mine";
        auto busy =
            extract_activations(*f.dataset, f.options(f.root / "busy"), quiet, CancelToken());
        QVERIFY(!busy);
        QVERIFY(busy.error().message.find("not empty") != std::string::npos);
        QCOMPARE(bytes_of(f.root / "busy" / "notes.txt"), std::string("mine"));

        auto unknown = f.options(f.root / "fresh");
        unknown.layers = {"blocks.7"};
        auto bad_layer = extract_activations(*f.dataset, unknown, quiet, CancelToken());
        QVERIFY(!bad_layer);
        QVERIFY(bad_layer.error().message.find("blocks.0, blocks.1, pooled") != std::string::npos);
        QVERIFY(!fs::exists(f.root / "fresh"));

        // An interrupted run continues only with the same settings.
        CancelToken cancel;
        cancel.cancel();
        QVERIFY(!extract_activations(*f.dataset, f.options(f.root / "part"), quiet, cancel));
        auto other = f.options(f.root / "part");
        other.dtype = DType::F32;
        auto mismatch = extract_activations(*f.dataset, other, quiet, CancelToken());
        QVERIFY(!mismatch);
        QVERIFY(mismatch.error().message.find("different settings") != std::string::npos);
    }

    void limit_and_token_mean() {
        Fixture f;
        NullProgress quiet;
        auto o = f.options(f.root / "ws");
        o.limit = 5;
        o.token = TokenChoice::Mean;
        o.layers = {"blocks.1"};
        auto summary = extract_activations(*f.dataset, o, quiet, CancelToken());
        QVERIFY2(summary, summary.error().message.c_str());
        QCOMPARE(summary->images + summary->skipped, int64_t(5));
        auto ws = Workspace::open(f.root / "ws");
        QCOMPARE(ws->manifest().token, std::string("mean"));
        QCOMPARE(ws->layer_names(), std::vector<std::string>{"blocks.1"});
        auto acts = ws->open_activations("blocks.1");
        QVERIFY(acts);
        QCOMPARE(acts->header().dtype, DType::F16);
    }
};

QTEST_APPLESS_MAIN(TestExtract)
#include "test_extract.moc"
