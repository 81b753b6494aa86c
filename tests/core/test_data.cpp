// core/data: decoding (grey, alpha, corrupt, empty), preprocessing, image folders, manifests,
// Fashion-MNIST and the prefetching batch loader.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <set>

#include "core/data/batch_loader.h"
#include "core/data/dataset.h"
#include "core/data/decode.h"
#include "core/data/fashion_mnist.h"
#include "core/data/image_ref.h"
#include "core/data/preprocess.h"
#include "support/tiny_models.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

ClassList two_classes() {
    ClassList list;
    list.name = "pets";
    list.entries = {{"n02084071", "dog"}, {"n02121808", "domestic cat"}};
    return list;
}

void write_text(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

class TestData : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void decodes_colour_grey_and_alpha_to_rgb() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        taxoscope::test::write_test_image(root / "c.png", 7, 5, 1, 3);
        taxoscope::test::write_test_image(root / "g.png", 7, 5, 1, 1);
        taxoscope::test::write_test_image(root / "a.png", 7, 5, 1, 4);
        taxoscope::test::write_test_image(root / "c.bmp", 7, 5, 1, 3);
        taxoscope::test::write_test_image(root / "c.webp", 7, 5, 1, 3);
        for (const char* name : {"c.png", "g.png", "a.png", "c.bmp", "c.webp"}) {
            auto image = decode_image_file(root / name);
            QVERIFY2(image, name);
            QCOMPARE(image->width, 7);
            QCOMPARE(image->height, 5);
            QCOMPARE(image->rgb.size(), size_t(7 * 5 * 3));
        }
        // OpenCV writes BGR: channel 0 of the file is blue, so it must land in B (index 2).
        const cv::Mat bgr = cv::imread((root / "c.png").string());
        auto rgb = decode_image_file(root / "c.png");
        QCOMPARE(rgb->rgb[2], bgr.at<cv::Vec3b>(0, 0)[0]);
        QCOMPARE(rgb->rgb[0], bgr.at<cv::Vec3b>(0, 0)[2]);
        auto grey = decode_image_file(root / "g.png");
        QCOMPARE(grey->rgb[3 * 9], grey->rgb[3 * 9 + 1]);
        QCOMPARE(grey->rgb[3 * 9], grey->rgb[3 * 9 + 2]);
    }

    void corrupt_and_empty_files_fail_with_a_reason() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        write_text(root / "empty.jpg", "");
        write_text(root / "junk.jpg", "this is not a JPEG at all");
        taxoscope::test::write_test_image(root / "cut.png", 32, 32, 2);
        std::ifstream in(root / "cut.png", std::ios::binary);
        const std::string whole((std::istreambuf_iterator<char>(in)), {});
        in.close();
        write_text(root / "cut.png", whole.substr(0, 20));
        auto empty = decode_image_file(root / "empty.jpg");
        QVERIFY(!empty);
        QCOMPARE(QString::fromStdString(empty.error().message), QString("empty file"));
        auto junk = decode_image_file(root / "junk.jpg");
        QVERIFY(!junk);
        QVERIFY(junk.error().message.find("not a decodable image") != std::string::npos);
        QVERIFY(!decode_image_file(root / "cut.png"));
        QVERIFY(!decode_image_file(root / "absent.png"));
    }

    void preprocess_resizes_crops_and_normalises() {
        // A 40x20 image whose left half is black and right half white.
        ImageBuffer image;
        image.width = 40;
        image.height = 20;
        image.rgb.assign(40 * 20 * 3, 0);
        for (int y = 0; y < 20; ++y) {
            for (int x = 20; x < 40; ++x) {
                for (int c = 0; c < 3; ++c) {
                    image.rgb[(y * 40 + x) * 3 + c] = 255;
                }
            }
        }
        PreprocessSpec spec;
        spec.width = spec.height = 8;
        spec.resize_shorter = 10;  // -> 20x10, centre crop x 6..13, y 1..8
        spec.mean = {0.5f, 0.5f, 0.5f};
        spec.std = {0.5f, 0.25f, 1.0f};
        std::vector<float> out(spec.floats_per_image());
        QVERIFY(preprocess_into(image, spec, out.data()));
        // Left column is black: (0 - 0.5) / std; right column white: (1 - 0.5) / std.
        QCOMPARE(out[0], -1.0f);
        QCOMPARE(out[64], -2.0f);
        QCOMPARE(out[128], -0.5f);
        QCOMPARE(out[7], 1.0f);
        QCOMPARE(out[64 + 7], 2.0f);
        // Matches OpenCV doing the same steps by hand.
        cv::Mat source(20, 40, CV_8UC3, image.rgb.data());
        cv::Mat resized;
        cv::resize(source, resized, cv::Size(20, 10), 0, 0, cv::INTER_LINEAR);
        const cv::Vec3b px = resized.at<cv::Vec3b>(1 + 3, 6 + 4);
        QCOMPARE(out[3 * 8 + 4], (px[0] / 255.0f - 0.5f) / 0.5f);

        spec.policy = ResizePolicy::Plain;
        QVERIFY(preprocess_into(image, spec, out.data()));
        QCOMPARE(out[0], -1.0f);
        QCOMPARE(out[7], 1.0f);

        PreprocessSpec bad;
        bad.resize_shorter = 100;
        QVERIFY(!bad.validate());
        QVERIFY(!preprocess_into(ImageBuffer{}, spec, out.data()));
    }

    void image_folder_by_wnid_by_name_or_own_classes() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        taxoscope::test::write_test_image(root / "n02121808" / "b.jpg", 8, 8, 1);
        taxoscope::test::write_test_image(root / "n02121808" / "a.png", 8, 8, 2);
        taxoscope::test::write_test_image(root / "dog" / "x.JPEG", 8, 8, 3);
        write_text(root / "dog" / "notes.txt", "not an image");
        write_text(root / "dog" / "zero.jpg", "");
        const ClassList classes = two_classes();
        auto dataset = open_image_folder(root, &classes);
        QVERIFY2(dataset, dataset.error().message.c_str());
        QCOMPARE((*dataset)->size(), size_t(4));
        // Sorted by folder then file: "dog" < "n02121808".
        QCOMPARE(fs::path((*dataset)->items[0].ref).filename().string(), std::string("x.JPEG"));
        QCOMPARE((*dataset)->items[0].label, int64_t(0));
        QCOMPARE(fs::path((*dataset)->items[2].ref).filename().string(), std::string("a.png"));
        QCOMPARE((*dataset)->items[2].label, int64_t(1));
        QVERIFY(!(*dataset)->load(1));  // the zero-byte file is listed, and fails at load
        QVERIFY((*dataset)->load(2));

        auto own = open_image_folder(root, nullptr);
        QVERIFY(own);
        QCOMPARE((*own)->classes.name, std::string("folders"));
        QCOMPARE((*own)->classes.entries[1].wnid, std::string("n02121808"));
        QCOMPARE((*own)->classes.entries[0].wnid, std::string(""));

        taxoscope::test::write_test_image(root / "platypus" / "p.png", 8, 8, 4);
        auto unknown = open_image_folder(root, &classes);
        QVERIFY(!unknown);
        QVERIFY(unknown.error().message.find("'platypus'") != std::string::npos);

        QTemporaryDir empty_dir;
        fs::create_directories(fs::path(empty_dir.path().toStdString()) / "dog");
        auto empty = open_image_folder(empty_dir.path().toStdString(), &classes);
        QVERIFY(!empty);
        QVERIFY(empty.error().message.find("no images") != std::string::npos);
        auto none = open_dataset((root / "nothing").string(), &classes);
        QVERIFY(!none);
        QCOMPARE(none.error().code, ErrorCode::NotFound);
    }

    void manifests_with_indices_wnids_names_and_splits() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const ClassList classes = two_classes();
        write_text(root / "m.tsv", "path\tlabel\tsplit\nimg/a.png\t1\ttrain\n/abs/b.png\t0\tval\n");
        auto by_index = open_manifest(root / "m.tsv", &classes);
        QVERIFY2(by_index, by_index.error().message.c_str());
        QCOMPARE((*by_index)->items[0].ref, (root / "img" / "a.png").string());
        QCOMPARE((*by_index)->items[0].label, int64_t(1));
        QCOMPARE((*by_index)->items[1].ref, std::string("/abs/b.png"));
        QCOMPARE((*by_index)->items[1].split, std::string("val"));

        write_text(root / "w.csv", "path,wnid\n\"a, b.png\",n02084071\nc.png,n02121808\n");
        auto by_wnid = open_manifest(root / "w.csv", &classes);
        QVERIFY2(by_wnid, by_wnid.error().message.c_str());
        QCOMPARE(fs::path((*by_wnid)->items[0].ref).filename().string(), std::string("a, b.png"));
        QCOMPARE((*by_wnid)->items[1].label, int64_t(1));

        write_text(root / "bare.tsv", "x.png\tdomestic cat\n");
        auto by_name = open_manifest(root / "bare.tsv", &classes);
        QVERIFY2(by_name, by_name.error().message.c_str());
        QCOMPARE((*by_name)->items[0].label, int64_t(1));

        write_text(root / "bad.tsv", "path\tlabel\na.png\t0\nb.png\tzebra\n");
        auto bad = open_manifest(root / "bad.tsv", &classes);
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("bad.tsv:3") != std::string::npos,
                 bad.error().message.c_str());
        QVERIFY(bad.error().message.find("'zebra'") != std::string::npos);
        write_text(root / "range.tsv", "path\tlabel\na.png\t7\n");
        QVERIFY(open_manifest(root / "range.tsv", &classes).error().message.find("outside") !=
                std::string::npos);
        write_text(root / "ragged.tsv", "path\tlabel\na.png\n");
        QVERIFY(!open_manifest(root / "ragged.tsv", &classes));

        // Without a class list, indices still work.
        auto indices = open_manifest(root / "m.tsv", nullptr);
        QVERIFY(indices);
        QCOMPARE((*indices)->classes.size(), size_t(2));
    }

    void fashion_mnist_from_debian_files() {
        if (!fs::exists(default_fashion_mnist_dir() / "t10k-images-idx3-ubyte.gz")) {
            QSKIP("dataset-fashion-mnist is not installed");
        }
        auto test = open_fashion_mnist("test");
        QVERIFY2(test, test.error().message.c_str());
        QCOMPARE((*test)->size(), size_t(10000));
        QCOMPARE((*test)->classes.entries[9].name, std::string("Ankle boot"));
        // The first test image of Fashion-MNIST is an ankle boot (label 9).
        QCOMPARE((*test)->items[0].label, int64_t(9));
        QCOMPARE((*test)->items[0].ref, std::string("fashion-mnist:test:0"));
        auto image = (*test)->load(0);
        QVERIFY(image);
        QCOMPARE(image->width, 28);
        auto again = load_image_ref("fashion-mnist:test:0");
        QVERIFY(again);
        QCOMPARE(again->rgb, image->rgb);
        QVERIFY(!load_image_ref("fashion-mnist:test:10000"));
        QVERIFY(!open_fashion_mnist("validation"));
        QVERIFY(!open_fashion_mnist("test", "/nonexistent"));
    }

    void batch_loader_keeps_order_and_reports_failures() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        for (int i = 0; i < 11; ++i) {
            taxoscope::test::write_test_image(
                root / "c" / ("img" + std::to_string(10 + i) + ".png"), 6 + i, 9, i);
        }
        write_text(root / "c" / "img13.png", "broken");
        auto dataset = open_image_folder(root, nullptr);
        QVERIFY(dataset);
        PreprocessSpec spec;
        spec.width = spec.height = 4;
        spec.policy = ResizePolicy::Plain;
        const size_t floats = spec.floats_per_image();
        for (int workers : {1, 3}) {
            BatchLoader loader(**dataset, spec, 2, 11, 4, workers, 2);
            std::vector<int64_t> firsts;
            while (const LoadedBatch* batch = loader.next()) {
                firsts.push_back(batch->first);
                for (int64_t k = 0; k < batch->count; ++k) {
                    const size_t item = static_cast<size_t>(batch->first + k);
                    QCOMPARE(batch->ok[k] != 0, item != 3);
                    if (item == 3) {
                        QVERIFY(!batch->reasons[k].empty());
                        continue;
                    }
                    std::vector<float> expected(floats);
                    QVERIFY(preprocess_into(*(*dataset)->load(item), spec, expected.data()));
                    QVERIFY(
                        std::equal(expected.begin(), expected.end(), batch->pixels + k * floats));
                }
            }
            QCOMPARE(firsts, (std::vector<int64_t>{2, 6, 10}));
        }
        // Destroying a loader mid-way stops its threads.
        {
            BatchLoader early(**dataset, spec, 0, 11, 2, 2, 2);
            QVERIFY(early.next() != nullptr);
        }
    }
};

QTEST_APPLESS_MAIN(TestData)
#include "test_data.moc"
