// core/inspect: patch projections and gradient relevancy maps of one image, on models and SAEs
// whose answer is known (a red patch, a red-detecting feature), overlays, and bad input.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>

#include "core/inspect/feature_alignment.h"
#include "core/inspect/heatmap_overlay.h"
#include "core/inspect/image_inspection.h"
#include "core/store/safetensors_file.h"
#include "support/inspect_fixtures.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;
namespace fx = taxoscope::test;

namespace {

size_t argmax(const std::vector<float>& v) {
    return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

class TestInspect : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    fs::path root_;
    fs::path image_;

    ModelRunner load(const std::string& name, torch::jit::Module module,
                     const std::string& metadata) {
        const fs::path path = root_ / name;
        fx::save_model(std::move(module), path, metadata);
        auto runner = ModelRunner::load(path, {"cpu", ModelPrecision::F32, {}});
        if (!runner) {
            qFatal("%s", runner.error().message.c_str());
        }
        return std::move(*runner);
    }

    Result<ImageInspection> inspect(ModelRunner& runner, const std::vector<LayerRequest>& layers,
                                    InspectOptions options = {}) {
        auto image = prepare_image_file(image_, runner.metadata().preprocess);
        if (!image) {
            return fail(image.error());
        }
        NullProgress progress;
        return inspect_image(runner, *image, layers, options, progress, CancelToken());
    }

  private Q_SLOTS:
    void initTestCase() {
        root_ = dir_.path().toStdString();
        image_ = root_ / "red_patch.png";
        fx::write_red_patch_image(image_);
    }

    void patch_projection_peaks_on_the_red_patch() {
        auto runner = load("vit.pt", fx::patch_vit(), fx::patch_vit_metadata());
        const Sae sae = fx::colour_sae();
        auto result = inspect(runner, {{"embed", &sae, {0, 1, 2}}});
        QVERIFY2(result, result.error().message.c_str());
        const LayerInspection& layer = result->layers.at(0);
        QCOMPARE(layer.grid.rows, 4);
        QCOMPARE(layer.grid.cols, 4);
        QCOMPARE(layer.grid.prefix_tokens, 1);
        QCOMPARE(layer.maps.size(), size_t(3));
        // The embedding's class token is a constant: it sees nothing, so nothing fires on it.
        QVERIFY(layer.top.empty());

        const FeatureMaps& red = layer.maps[0];
        QCOMPARE(red.patch.size(), size_t(16));
        QCOMPARE(argmax(red.patch), size_t(fx::kRedCell));
        QVERIFY(std::abs(red.patch[fx::kRedCell] - 6.0f) < 1e-4f);  // r - g - b = 2 + 2 + 2
        for (size_t i = 0; i < red.patch.size(); ++i) {
            if (i != size_t(fx::kRedCell)) {
                QCOMPARE(red.patch[i], 0.0f);
            }
        }
        // Upsampled to the 16x16 input: the maximum lies inside the red patch's pixels.
        QCOMPARE(red.patch_pixels.size(), size_t(256));
        const size_t pixel = argmax(red.patch_pixels);
        QVERIFY(pixel / 16 >= 4 && pixel / 16 < 8);
        QVERIFY(pixel % 16 >= 8 && pixel % 16 < 12);

        const FeatureMaps& blue = layer.maps[1];
        QCOMPARE(blue.patch[fx::kRedCell], 0.0f);
        QVERIFY(blue.patch[0] > 3.0f);
        const FeatureMaps& constant = layer.maps[2];
        for (float v : constant.patch) {
            QVERIFY(std::abs(v - 0.5f) < 1e-5f);
        }
        // Nothing the class token computes depends on the input here: zero relevance.
        for (float v : red.relevance) {
            QCOMPARE(v, 0.0f);
        }
    }

    void relevance_peaks_where_the_class_token_looks() {
        auto runner = load("vit2.pt", fx::patch_vit(), fx::patch_vit_metadata());
        const Sae sae = fx::colour_sae();
        auto result = inspect(runner, {{"block0", &sae, {}}});
        QVERIFY2(result, result.error().message.c_str());
        const LayerInspection& layer = result->layers.at(0);
        // The class token of block0 is (nearly) the red patch's token: red 6, constant 0.5.
        QCOMPARE(layer.top.size(), size_t(2));
        QCOMPARE(layer.top[0].feature, int64_t(0));
        QVERIFY(std::abs(layer.top[0].value - 6.0f) < 1e-3f);
        QCOMPARE(layer.top[1].feature, int64_t(2));
        QCOMPARE(layer.maps.size(), size_t(2));
        const FeatureMaps& red = layer.maps[0];
        QCOMPARE(red.feature, int64_t(0));
        QCOMPARE(argmax(red.patch), size_t(fx::kRedCell));
        QCOMPARE(red.relevance.size(), size_t(16));
        QCOMPARE(argmax(red.relevance), size_t(fx::kRedCell));
        QVERIFY(red.relevance[fx::kRedCell] > 0.1f);  // (2 + 2 + 2) / 16 per pixel
        for (size_t i = 0; i < red.relevance.size(); ++i) {
            if (i != size_t(fx::kRedCell)) {
                QVERIFY(red.relevance[i] < 1e-3f * red.relevance[fx::kRedCell]);
            }
        }
        QCOMPARE(argmax(red.relevance_pixels) / 16 / 4, size_t(fx::kRedRow));

        // The image-level code equals extraction's vector encoded by the SAE kernel.
        auto prepared = prepare_image_file(image_, runner.metadata().preprocess);
        auto vectors =
            runner.extract(prepared->input.data(), 1, {runner.layers()[1]}, TokenChoice::Auto);
        QVERIFY(vectors);
        std::vector<float> codes(3);
        QVERIFY(sae.make_kernel()->encode((*vectors)[0].data(), 1, codes.data()));
        for (size_t j = 0; j < codes.size(); ++j) {
            QVERIFY(std::abs(codes[j] - layer.codes[j]) < 1e-4f);
        }

        // Without relevance no gradient is taken; the patch maps are unchanged.
        InspectOptions fast;
        fast.relevance = false;
        auto quick = inspect(runner, {{"block0", &sae, {}}}, fast);
        QVERIFY(quick);
        QVERIFY(quick->layers[0].maps[0].relevance.empty());
        QCOMPARE(quick->layers[0].maps[0].patch, red.patch);
    }

    void cnn_feature_map_positions_are_patches() {
        auto runner = load("cnn.pt", fx::patch_cnn(), fx::patch_cnn_metadata());
        // r - g + 0.5: fires everywhere a little, most on the red cell.
        const Sae sae = fx::planted_sae({{1, -1, 0}}, {0.5f});
        auto result = inspect(runner, {{"conv", &sae, {}}});
        QVERIFY2(result, result.error().message.c_str());
        const LayerInspection& layer = result->layers.at(0);
        QCOMPARE(layer.kind, LayerKind::FeatureMap);
        QCOMPARE(layer.grid.rows, 4);
        QCOMPARE(layer.grid.cols, 4);
        QCOMPARE(layer.top.size(), size_t(1));
        // Spatial mean: r = (2 - 15 * 1.2) / 16 = -1, g = (-2 - 15 * 0.792) / 16.
        const float g = (-2.0f + 15.0f * (77.0f / 255.0f - 0.5f) / 0.25f) / 16.0f;
        QVERIFY(std::abs(layer.top[0].value - (-1.0f - g + 0.5f)) < 1e-4f);
        const FeatureMaps& maps = layer.maps.at(0);
        QCOMPARE(argmax(maps.patch), size_t(fx::kRedCell));
        QVERIFY(std::abs(maps.patch[fx::kRedCell] - 4.5f) < 1e-4f);
        // Uniform gradient, so |grad * x| follows |r| + |g|: 4 on red, ~2 on blue, per pixel.
        QCOMPARE(argmax(maps.relevance), size_t(fx::kRedCell));
        QVERIFY(maps.relevance[0] > 0.0f);
        QVERIFY(maps.relevance[fx::kRedCell] > 1.5f * maps.relevance[0]);
    }

    void pooled_layers_have_codes_but_no_maps() {
        auto runner = load("vit3.pt", fx::patch_vit(), fx::patch_vit_metadata());
        const Sae sae = fx::colour_sae();
        auto result = inspect(runner, {{"pooled", &sae, {}}});
        QVERIFY2(result, result.error().message.c_str());
        QVERIFY(!result->layers[0].top.empty());
        QVERIFY(result->layers[0].maps.empty());
        QVERIFY(result->layers[0].note.find("no patch tokens") != std::string::npos);
        // Asking for maps of given features on it is an error that says why.
        auto asked = inspect(runner, {{"pooled", &sae, {0}}});
        QVERIFY(!asked);
        QCOMPARE(asked.error().code, ErrorCode::Unsupported);
        QVERIFY2(asked.error().message.find("'pooled' is pooled ([B, D]): it has no patch "
                                            "tokens") != std::string::npos,
                 asked.error().message.c_str());
    }

    void bad_input_gets_clear_errors() {
        auto runner = load("vit4.pt", fx::patch_vit(), fx::patch_vit_metadata());
        const Sae sae = fx::colour_sae();
        const Sae wide = fx::planted_sae({{1, 0, 0, 0, 0}}, {0.0f});
        auto width = inspect(runner, {{"block0", &wide, {}}});
        QVERIFY(!width);
        QCOMPARE(width.error().code, ErrorCode::ShapeMismatch);
        QVERIFY2(
            width.error().message.find("'block0' is 4 wide but its SAE") != std::string::npos &&
                width.error().message.find("has d_in 5") != std::string::npos,
            width.error().message.c_str());

        auto unknown = inspect(runner, {{"block9", &sae, {}}});
        QVERIFY(!unknown);
        QVERIFY(unknown.error().message.find("available layers: embed, block0, pooled") !=
                std::string::npos);
        auto feature = inspect(runner, {{"block0", &sae, {3}}});
        QVERIFY(!feature);
        QVERIFY(feature.error().message.find("feature 3 does not exist") != std::string::npos);

        const fs::path corrupt = root_ / "corrupt.png";
        std::ofstream(corrupt) << "\x89PNG but not really";
        auto image = prepare_image_file(corrupt, runner.metadata().preprocess);
        QVERIFY(!image);
        QVERIFY2(
            image.error().message.find("corrupt.png: not a decodable image") != std::string::npos,
            image.error().message.c_str());
        auto missing = prepare_image_file(root_ / "absent.jpg", runner.metadata().preprocess);
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);

        // Two declared prefix tokens leave 15 patch tokens: no grid, said plainly.
        auto registers = load("vit5.pt", fx::patch_vit(), fx::patch_vit_metadata(2));
        auto grid = inspect(registers, {{"block0", &sae, {0}}});
        QVERIFY(!grid);
        QVERIFY2(grid.error().message.find("15 patch tokens form no grid") != std::string::npos,
                 grid.error().message.c_str());
    }

    void region_maps_the_crop_back_to_the_file() {
        PreprocessSpec spec;
        spec.width = 16;
        spec.height = 16;
        spec.resize_shorter = 16;
        // 32x24 -> 21x16 (round(32 * 16 / 24)), crop x at floor(5 / 2) = 2.
        const InputRegion r = input_region(32, 24, spec);
        QVERIFY(std::abs(r.x - 2.0 * 32 / 21) < 1e-9);
        QCOMPARE(r.y, 0.0);
        QVERIFY(std::abs(r.width - 16.0 * 32 / 21) < 1e-9);
        QVERIFY(std::abs(r.height - 24.0) < 1e-9);
        spec.policy = ResizePolicy::Plain;
        const InputRegion whole = input_region(32, 24, spec);
        QCOMPARE(whole.width, 32.0);
        QCOMPARE(whole.height, 24.0);

        // The view is exactly the pixels the model saw (no resize here: 16x16 plain).
        auto prepared = prepare_image_file(image_, spec);
        QVERIFY(prepared);
        QCOMPARE(prepared->view.rgb, prepared->original.rgb);
    }

    void overlays_colour_the_hot_patch() {
        ImageBuffer grey{8, 8, std::vector<uint8_t>(8 * 8 * 3, 128)};
        std::vector<float> heat(4, 0.0f);
        heat[3] = 2.0f;  // bottom-right cell of a 2x2 grid
        auto on_view = render_heatmap_overlay(grey, heat, 2, 2, {0, 0, 8, 8});
        QVERIFY2(on_view, on_view.error().message.c_str());
        auto at = [](const ImageBuffer& b, int x, int y, int c) {
            return int(b.rgb[(size_t(y) * b.width + x) * 3 + c]);
        };
        // Inferno: near black at 0, pale yellow at 1; blended 0.55 over grey 128.
        QVERIFY(at(*on_view, 7, 7, 0) > 180 && at(*on_view, 7, 7, 1) > 180);
        QVERIFY(at(*on_view, 0, 0, 0) < 80 && at(*on_view, 0, 0, 1) < 80);
        // On a wider original, pixels outside the model's region are only dimmed.
        ImageBuffer wide{16, 8, std::vector<uint8_t>(16 * 8 * 3, 200)};
        auto on_original = render_heatmap_overlay(wide, heat, 2, 2, {4, 0, 8, 8});
        QVERIFY(on_original);
        QCOMPARE(at(*on_original, 1, 4, 0), 90);  // 200 * 0.45
        QVERIFY(at(*on_original, 11, 7, 1) > 180);
        const fs::path png = root_ / "overlay.png";
        QVERIFY(write_png(png, *on_original));
        const cv::Mat back = cv::imread(png.string());
        QCOMPARE(back.cols, 16);
        QCOMPARE(back.rows, 8);
        QVERIFY(!render_heatmap_overlay(grey, heat, 3, 2, {0, 0, 8, 8}));
    }

    void alignment_reader_checks_dtypes() {
        const std::vector<int32_t> nodes{3, 1, 4};
        const std::vector<float> f1{0.5f, 0.25f, 1.0f};
        const fs::path good = root_ / "layer.safetensors";
        QVERIFY(write_safetensors(good, {{"best_node", {nodes.data(), DType::I32, {3}}},
                                         {"best_f1", {f1.data(), DType::F32, {3}}}}));
        auto read = read_feature_alignment(good, 3);
        QVERIFY2(read, read.error().message.c_str());
        QCOMPARE(read->best_node, nodes);
        QCOMPARE(read->best_f1, f1);
        auto narrow = read_feature_alignment(good, 4);
        QVERIFY(!narrow);
        QVERIFY2(narrow.error().message.find("'best_node' is int32 [3], expected int32 [4]") !=
                     std::string::npos,
                 narrow.error().message.c_str());
        const fs::path bad = root_ / "bad.safetensors";
        QVERIFY(write_safetensors(bad, {{"best_node", {f1.data(), DType::F32, {3}}}}));
        QVERIFY(!read_feature_alignment(bad, 3));
    }
};

QTEST_APPLESS_MAIN(TestInspect)
#include "test_inspect.moc"
