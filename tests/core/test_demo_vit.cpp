// core/demo: the demo ViT's TorchScript twin computes what the C++ module computes and loads
// through the normal model runner; training is deterministic for a seed, learns, and cancels.
#include <QTemporaryDir>
#include <QtTest>

#include "core/demo/demo_vit.h"
#include "core/demo/demo_vit_torch.h"
#include "core/model/model_runner.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

// Class k is a bright horizontal band at rows 2k..2k+4 over noise: learnable in a few steps
// (chance is 0.1).
FashionMnistSplit synthetic_split(int64_t count, uint64_t seed) {
    FashionMnistSplit split;
    split.count = count;
    split.pixels.resize(static_cast<size_t>(count) * 28 * 28);
    split.labels.resize(static_cast<size_t>(count));
    uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int64_t n = 0; n < count; ++n) {
        const int label = static_cast<int>(n % 10);
        split.labels[static_cast<size_t>(n)] = static_cast<uint8_t>(label);
        for (int i = 0; i < 28 * 28; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            const int row = i / 28;
            const bool band = row >= 2 * label && row < 2 * label + 5;
            split.pixels[static_cast<size_t>(n * 28 * 28 + i)] =
                static_cast<uint8_t>((band ? 150 : 0) + ((state >> 33) % 100));
        }
    }
    return split;
}

DemoTrainingOptions small_training() {
    DemoTrainingOptions o;
    o.epochs = 2;
    o.batch = 64;
    o.seed = 7;
    return o;
}

torch::Tensor extract_all(ModelRunner& runner, const torch::Tensor& x, size_t layer) {
    auto rows =
        runner.extract(x.data_ptr<float>(), x.size(0), {runner.layers()[layer]}, TokenChoice::Auto);
    if (!rows) {
        return {};
    }
    const auto width = static_cast<int64_t>(rows->at(0).size()) / x.size(0);
    return torch::from_blob(rows->at(0).data(), {x.size(0), width}, torch::kFloat).clone();
}

}  // namespace

class TestDemoVit : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void script_matches_module_through_runner() {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "vit.pt";
        torch::manual_seed(3);
        DemoVitShape shape;
        DemoVit model(shape);
        torch::jit::ExtraFilesMap extra{
            {"taxoscope.json", model_metadata_to_json(demo_vit_metadata(shape))}};
        script_demo_vit(*model).save(path.string(), extra);

        auto runner = ModelRunner::load(path, {"cpu", ModelPrecision::F32, {}});
        QVERIFY2(runner, runner.error().message.c_str());
        const auto& meta = runner->metadata();
        QVERIFY(meta.present);
        QVERIFY(meta.class_token);
        QCOMPARE(meta.preprocess.width, 28);
        QCOMPARE(meta.preprocess.policy, ResizePolicy::Plain);
        QCOMPARE(meta.class_set, std::string("fashion-mnist"));
        const auto& layers = runner->layers();
        QCOMPARE(layers.size(), size_t(6));
        QCOMPARE(layers[0].name, std::string("embed"));
        QCOMPARE(layers[4].name, std::string("block4"));
        QCOMPARE(layers[4].kind, LayerKind::Tokens);
        QCOMPARE(layers[4].shape, (std::vector<int64_t>{17, 64}));
        QCOMPARE(layers[5].name, std::string("logits"));
        QCOMPARE(layers[5].shape, (std::vector<int64_t>{10}));

        torch::NoGradGuard no_grad;
        const torch::Tensor x = torch::randn({5, 3, 28, 28});
        const auto direct = model->forward_all(x);
        // Layer i of the runner is output i of the module; token layers give the class token.
        for (size_t i = 0; i < layers.size(); ++i) {
            const auto expected = direct[i].dim() == 3 ? direct[i].select(1, 0) : direct[i];
            const auto got = extract_all(*runner, x, i);
            QVERIFY(got.defined());
            QVERIFY2(torch::allclose(got, expected, 1e-5, 1e-5), layers[i].name.c_str());
        }
    }

    void training_learns_is_deterministic_and_loads() {
        QTemporaryDir dir;
        const fs::path root(dir.path().toStdString());
        const auto train = synthetic_split(640, 1);
        const auto test = synthetic_split(200, 2);
        NullProgress progress;
        auto first = train_demo_vit(train, test, small_training(), root / "a" / "m.pt", progress,
                                    CancelToken());
        QVERIFY2(first, first.error().message.c_str());
        QCOMPARE(first->steps, int64_t(20));
        QCOMPARE(first->epoch_seconds.size(), size_t(2));
        QVERIFY(first->epoch_loss[1] < first->epoch_loss[0]);
        QVERIFY2(first->test_accuracy > 0.3, std::to_string(first->test_accuracy).c_str());
        QVERIFY(!fs::exists(root / "a" / "m.pt.partial"));

        auto second = train_demo_vit(train, test, small_training(), root / "b" / "m.pt", progress,
                                     CancelToken());
        QVERIFY2(second, second.error().message.c_str());
        QCOMPARE(second->test_accuracy, first->test_accuracy);

        auto a = ModelRunner::load(root / "a" / "m.pt", {"cpu", ModelPrecision::F32, {}});
        auto b = ModelRunner::load(root / "b" / "m.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY2(a && b, "both saved models load");
        const torch::Tensor x = torch::randn({4, 3, 28, 28});
        QVERIFY(torch::equal(extract_all(*a, x, 5), extract_all(*b, x, 5)));
    }

    void cancel_and_bad_options() {
        QTemporaryDir dir;
        const fs::path model = fs::path(dir.path().toStdString()) / "m.pt";
        const auto split = synthetic_split(100, 1);
        NullProgress progress;
        CancelToken cancel;
        cancel.cancel();
        auto cancelled = train_demo_vit(split, split, small_training(), model, progress, cancel);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        QVERIFY(!fs::exists(model));

        auto options = small_training();
        options.epochs = 0;
        auto refused = train_demo_vit(split, split, options, model, progress, CancelToken());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
    }
};

QTEST_APPLESS_MAIN(TestDemoVit)
#include "test_demo_vit.moc"
