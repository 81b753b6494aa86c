// core/model: loading TorchScript models, metadata, output forms, layer selection, token
// choice, bad models; and the real ImageNet MobileNetV2 from ../shared/real when present.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/data/dataset.h"
#include "core/data/preprocess.h"
#include "core/model/model_runner.h"
#include "core/model/torch_model_torch.h"
#include "core/util/log.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

torch::jit::Module scripted(const std::string& name, const std::string& source) {
    torch::jit::Module m(name);
    m.register_parameter("w", torch::randn({3, 5}), false);
    m.define(source);
    return m;
}

}  // namespace

class TestModel : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void vit_like_model_with_metadata() {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "vit.pt";
        auto module = taxoscope::test::tiny_vit();
        taxoscope::test::save_model(module, path, taxoscope::test::tiny_vit_metadata());
        auto runner = ModelRunner::load(path, {"cpu", ModelPrecision::F32, {}});
        QVERIFY2(runner, runner.error().message.c_str());
        const auto& meta = runner->metadata();
        QVERIFY(meta.present);
        QVERIFY(meta.class_token);
        QCOMPARE(meta.preprocess.width, 16);
        QCOMPARE(meta.preprocess.resize_shorter, 20);
        QCOMPARE(meta.preprocess.std[0], 0.25f);
        QCOMPARE(runner->device(), std::string("cpu"));
        const auto& layers = runner->layers();
        QCOMPARE(layers.size(), size_t(3));
        QCOMPARE(layers[0].name, std::string("blocks.0"));
        QCOMPARE(layers[0].kind, LayerKind::Tokens);
        QCOMPARE(layers[0].shape, (std::vector<int64_t>{17, 8}));
        QCOMPARE(layers[2].kind, LayerKind::Pooled);

        // Extraction equals a direct forward of the same module.
        const torch::Tensor x = torch::randn({3, 3, 16, 16});
        auto vectors = runner->extract(x.data_ptr<float>(), 3, layers, TokenChoice::Auto);
        QVERIFY2(vectors, vectors.error().message.c_str());
        auto direct = module.forward({x}).toGenericDict();
        const auto b0 = direct.at("blocks.0").toTensor();
        const auto b1 = direct.at("blocks.1").toTensor();
        auto as_tensor = [](const std::vector<float>& v, int64_t rows) {
            return torch::from_blob(const_cast<float*>(v.data()),
                                    {rows, static_cast<int64_t>(v.size()) / rows})
                .clone();
        };
        QVERIFY(torch::equal(as_tensor((*vectors)[0], 3), b0.select(1, 0)));  // cls token
        QVERIFY(torch::equal(as_tensor((*vectors)[2], 3), direct.at("pooled").toTensor()));
        auto means = runner->extract(x.data_ptr<float>(), 3, {layers[1]}, TokenChoice::Mean);
        QVERIFY(torch::allclose(as_tensor((*means)[0], 3), b1.narrow(1, 1, 16).mean(1)));
    }

    void layer_selection_lists_the_available_layers() {
        std::vector<LayerInfo> layers = {{"a", LayerKind::Pooled, {4}, 4},
                                         {"b", LayerKind::Pooled, {4}, 4}};
        QCOMPARE(select_layers(layers, {}, "m.pt")->size(), size_t(2));
        QCOMPARE(select_layers(layers, {"all"}, "m.pt")->size(), size_t(2));
        auto one = select_layers(layers, {"b", "b"}, "m.pt");
        QCOMPARE(one->size(), size_t(1));
        QCOMPARE(one->at(0).name, std::string("b"));
        auto missing = select_layers(layers, {"c"}, "m.pt");
        QVERIFY(!missing);
        QCOMPARE(QString::fromStdString(missing.error().message),
                 QString("m.pt: no layer named 'c'; available layers: a, b"));
    }

    void cnn_feature_maps_become_spatial_means() {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "cnn.pt";
        auto module = taxoscope::test::tiny_cnn();
        taxoscope::test::save_model(module, path, R"({"input_size": [12, 10]})");
        auto runner = ModelRunner::load(path, {"auto", ModelPrecision::F32, {}});
        QVERIFY2(runner, runner.error().message.c_str());
        QCOMPARE(runner->layers()[0].kind, LayerKind::FeatureMap);
        QCOMPARE(runner->layers()[0].shape, (std::vector<int64_t>{4, 12, 10}));
        const torch::Tensor x = torch::randn({2, 3, 12, 10});
        auto vectors = runner->extract(x.data_ptr<float>(), 2, runner->layers(), TokenChoice::Auto);
        QVERIFY(vectors);
        const auto conv = module.forward({x}).toGenericDict().at("conv").toTensor();
        const torch::Tensor got = torch::from_blob((*vectors)[0].data(), {2, 4});
        QVERIFY(torch::allclose(got, conv.mean({2, 3})));
    }

    void plain_tensor_and_tuple_outputs_are_named() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        taxoscope::test::save_model(
            scripted("Plain", "def forward(self, x):\n    return x.mean([2, 3]).matmul(self.w)\n"),
            root / "plain.pt", R"({"input_size": 8})");
        auto plain = ModelRunner::load(root / "plain.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY2(plain, plain.error().message.c_str());
        QCOMPARE(plain->layers().size(), size_t(1));
        QCOMPARE(plain->layers()[0].name, std::string("output"));
        QCOMPARE(plain->layers()[0].dim, int64_t(5));

        const std::string tuple_source =
            "def forward(self, x):\n    y = x.mean([2, 3])\n    return (y, y.matmul(self.w))\n";
        taxoscope::test::save_model(scripted("Tuple", tuple_source), root / "tuple.pt",
                                    R"({"input_size": 8, "layers": ["rgb", "proj"]})");
        auto tuple = ModelRunner::load(root / "tuple.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY2(tuple, tuple.error().message.c_str());
        QCOMPARE(tuple->layers()[1].name, std::string("proj"));
        QCOMPARE(tuple->layers()[0].dim, int64_t(3));

        taxoscope::test::save_model(scripted("Tuple", tuple_source), root / "tuple3.pt",
                                    R"({"input_size": 8, "layers": ["a", "b", "c"]})");
        auto mismatch = ModelRunner::load(root / "tuple3.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY(!mismatch);
        QVERIFY(mismatch.error().message.find("names 3 layers") != std::string::npos);
    }

    void missing_metadata_uses_defaults_with_a_warning() {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "bare.pt";
        taxoscope::test::save_model(
            scripted("Plain", "def forward(self, x):\n    return x.mean([2, 3])\n"), path);
        std::vector<std::string> warnings;
        const auto previous = set_log_handler([&](LogLevel level, std::string_view text) {
            if (level == LogLevel::Warning) {
                warnings.emplace_back(text);
            }
        });
        auto runner = ModelRunner::load(path, {"cpu", ModelPrecision::F32, {}});
        set_log_handler(previous);
        QVERIFY(runner);
        QVERIFY(!runner->metadata().present);
        QCOMPARE(runner->metadata().preprocess.width, 224);
        QCOMPARE(runner->metadata().preprocess.resize_shorter, 256);
        QCOMPARE(warnings.size(), size_t(1));
        QVERIFY(warnings[0].find("no taxoscope.json") != std::string::npos);

        // A metadata file beside it takes over.
        const fs::path meta = fs::path(dir.path().toStdString()) / "meta.json";
        std::ofstream(meta) << R"({"input_size": 32, "resize": "plain"})";
        auto with_file = ModelRunner::load(path, {"cpu", ModelPrecision::F32, meta});
        QVERIFY(with_file);
        QCOMPARE(with_file->metadata().preprocess.policy, ResizePolicy::Plain);
        QCOMPARE(with_file->metadata().preprocess.width, 32);
    }

    void bad_models_and_options_fail_clearly() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::ofstream(root / "text.pt") << "definitely not a model";
        auto text = ModelRunner::load(root / "text.pt");
        QVERIFY(!text);
        QVERIFY(text.error().message.find("not a TorchScript file") != std::string::npos);
        std::ofstream(root / "zip.pt") << "PK\x03\x04 broken zip";
        auto zip = ModelRunner::load(root / "zip.pt");
        QVERIFY(!zip);
        QVERIFY(zip.error().message.find("zip.pt") != std::string::npos);
        QCOMPARE(ModelRunner::load(root / "absent.pt").error().code, ErrorCode::NotFound);

        // The ViT-like model only takes 16x16 inputs.
        taxoscope::test::save_model(taxoscope::test::tiny_vit(), root / "vit.pt",
                                    R"({"input_size": 20})");
        auto size = ModelRunner::load(root / "vit.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY(!size);
        QVERIFY2(size.error().message.find("forward failed on a [1, 3, 20, 20] input") !=
                     std::string::npos,
                 size.error().message.c_str());

        taxoscope::test::save_model(scripted("Str", "def forward(self, x):\n    return 'hello'\n"),
                                    root / "str.pt");
        auto str = ModelRunner::load(root / "str.pt", {"cpu", ModelPrecision::F32, {}});
        QVERIFY(!str);
        QVERIFY(str.error().message.find("expected Dict[str, Tensor]") != std::string::npos);

        taxoscope::test::save_model(
            scripted("Five", "def forward(self, x):\n    return x.unsqueeze(0)\n"),
            root / "five.pt", R"({"input_size": 4})");
        QVERIFY(ModelRunner::load(root / "five.pt", {"cpu", ModelPrecision::F32, {}})
                    .error()
                    .message.find("5 dimensions") != std::string::npos);

        taxoscope::test::save_model(
            scripted("Meta", "def forward(self, x):\n    return x.mean([2, 3])\n"),
            root / "meta.pt", R"({"mean": [0.5]})");
        QVERIFY(ModelRunner::load(root / "meta.pt").error().message.find("3 values") !=
                std::string::npos);
        QVERIFY(!ModelRunner::load(root / "five.pt", {"tpu", ModelPrecision::F32, {}}));
        QVERIFY(!ModelRunner::load(root / "five.pt", {"cpu", ModelPrecision::F16, {}}));
        if (!torch::cuda::is_available()) {
            QCOMPARE(ModelRunner::load(root / "five.pt", {"cuda:0", ModelPrecision::F32, {}})
                         .error()
                         .code,
                     ErrorCode::Unsupported);
        }
    }

    void real_mobilenet_classifies_real_photos() {
        const fs::path real = fs::path(TAXOSCOPE_SHARED_DIR) / "real";
        if (!fs::exists(real / "mobilenet_v2_imagenet.pt")) {
            QSKIP("../shared/real is not present");
        }
        QTemporaryDir dir;
        const fs::path meta = fs::path(dir.path().toStdString()) / "meta.json";
        std::ofstream(meta) << R"({"input_size": 224, "resize_shorter": 256,
                                   "mean": [0, 0, 0], "std": [1, 1, 1]})";
        auto runner = ModelRunner::load(real / "mobilenet_v2_imagenet.pt",
                                        {"cpu", ModelPrecision::F32, meta});
        QVERIFY2(runner, runner.error().message.c_str());
        auto layers = select_layers(runner->layers(), {"logits", "block12"}, "mobilenet");
        QVERIFY2(layers, layers.error().message.c_str());
        QCOMPARE(layers->at(1).kind, LayerKind::FeatureMap);
        QCOMPARE(layers->at(1).dim, int64_t(96));
        auto dataset = open_manifest(real / "imagenet-samples.tsv", nullptr);
        QVERIFY2(dataset, dataset.error().message.c_str());
        // Every 40th of the 1000 photos: 25 images across the class range.
        const int n = 25;
        const auto& spec = runner->metadata().preprocess;
        std::vector<float> batch(static_cast<size_t>(n) * spec.floats_per_image());
        std::vector<int64_t> labels;
        for (int i = 0; i < n; ++i) {
            const size_t item = static_cast<size_t>(i) * 40;
            auto image = (*dataset)->load(item);
            QVERIFY(image);
            QVERIFY(preprocess_into(*image, spec, batch.data() + i * spec.floats_per_image()));
            labels.push_back((*dataset)->items[item].label);
        }
        auto out = runner->extract(batch.data(), n, *layers, TokenChoice::Auto);
        QVERIFY2(out, out.error().message.c_str());
        const torch::Tensor logits = torch::from_blob((*out)[0].data(), {n, 1000});
        const torch::Tensor predicted = logits.argmax(1);
        int correct = 0;
        for (int i = 0; i < n; ++i) {
            correct += predicted[i].item<int64_t>() == labels[static_cast<size_t>(i)] ? 1 : 0;
        }
        qInfo("MobileNetV2 top-1 on %d real photos: %d correct", n, correct);
        QVERIFY2(correct >= n * 7 / 10,
                 qPrintable(QString("only %1 of %2 correct").arg(correct).arg(n)));
    }
};

QTEST_APPLESS_MAIN(TestModel)
#include "test_model.moc"
