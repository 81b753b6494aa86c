// core/store: .npy and safetensors round trips and malformed inputs, atomic writes, SHA-256,
// the workspace manifest and images.tsv. numpy (python3-numpy) checks our .npy files.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>

#include "core/store/atomic_file.h"
#include "core/store/image_table.h"
#include "core/store/npy_file.h"
#include "core/store/safetensors_file.h"
#include "core/store/sha256.h"
#include "core/store/tensor_view_torch.h"
#include "core/store/workspace.h"

using namespace taxoscope::core;
namespace fs = std::filesystem;

namespace {

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& path) {
    return *read_text_file(path);
}

std::string le64(uint64_t v) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
    return out;
}

// A hand-made .npy: header dict text + payload, version 1.0.
std::string npy_bytes(const std::string& dict, const std::string& payload, char major = 1) {
    std::string header = dict;
    const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
    header.append(total - 10 - header.size() - 1, ' ');
    header += '\n';
    std::string out = "\x93NUMPY";
    out += major;
    out += '\0';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    return out + header + payload;
}

std::string safetensors_bytes(const std::string& json, const std::string& payload) {
    return le64(json.size()) + json + payload;
}

bool python_with_numpy() {
    QProcess p;
    p.start("/usr/bin/python3", {"-c", "import numpy"});
    return p.waitForFinished(30000) && p.exitCode() == 0;
}

QString run_python(const QString& code) {
    QProcess p;
    p.start("/usr/bin/python3", {"-c", code});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        return "FAILED: " + QString::fromUtf8(p.readAllStandardError());
    }
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

}  // namespace

class TestStore : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void npy_rows_round_trip_in_float16_and_float32() {
        QTemporaryDir dir;
        for (DType dtype : {DType::F32, DType::F16}) {
            const fs::path path =
                fs::path(dir.path().toStdString()) / (std::string(dtype_name(dtype)) + ".npy");
            auto writer = NpyRowWriter::create(path, dtype, 3);
            QVERIFY2(writer, writer.error().message.c_str());
            const float block1[] = {0.5f, -1.25f, 3.0f, 4.0f, 5.5f, -6.0f};
            const float block2[] = {7.0f, 8.0f, 1e-3f};
            QVERIFY(writer->append(block1, 2));
            QVERIFY(writer->append(block2, 1));
            QVERIFY(!fs::exists(path));  // nothing under the final name until finish()
            QVERIFY(writer->finish());
            QVERIFY(fs::exists(path));
            QVERIFY(!fs::exists(NpyRowWriter::partial_path(path)));

            auto file = NpyFile::open(path);
            QVERIFY2(file, file.error().message.c_str());
            QCOMPARE(file->header().dtype, dtype);
            QCOMPARE(file->header().shape, (std::vector<int64_t>{3, 3}));
            QCOMPARE(file->header().data_offset % 64, size_t(0));
            const torch::Tensor t = to_torch(file->view()).to(torch::kFloat);
            QCOMPARE(t[0][1].item<float>(), -1.25f);
            QCOMPARE(t[2][0].item<float>(), 7.0f);
            QVERIFY(std::abs(t[2][2].item<float>() - 1e-3f) <
                    (dtype == DType::F16 ? 1e-6 : 0.0) + 1e-9);
            QCOMPARE(to_torch(file->row(1)).to(torch::kFloat)[2].item<float>(), -6.0f);
        }
    }

    void numpy_reads_our_npy_memory_mapped() {
        if (!python_with_numpy()) {
            QSKIP("/usr/bin/python3 with numpy is not installed");
        }
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "acts.npy";
        auto writer = NpyRowWriter::create(path, DType::F16, 4);
        QVERIFY(writer);
        std::vector<float> rows(5 * 4);
        for (size_t i = 0; i < rows.size(); ++i) {
            rows[i] = static_cast<float>(i) * 0.25f;
        }
        QVERIFY(writer->append(rows.data(), 5));
        QVERIFY(writer->finish());
        const QString out =
            run_python(QString("import numpy as np; a = np.load('%1', mmap_mode='r'); "
                               "print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'], float(a[4, 3]), "
                               "float(a.astype('f4').sum()))")
                           .arg(QString::fromStdString(path.string())));
        QCOMPARE(out, QString("float16 (5, 4) True 4.75 47.5"));
    }

    void we_read_what_numpy_writes() {
        if (!python_with_numpy()) {
            QSKIP("/usr/bin/python3 with numpy is not installed");
        }
        QTemporaryDir dir;
        const QString base = dir.path();
        const QString out = run_python(
            QString("import numpy as np\n"
                    "np.save('%1/i64.npy', np.arange(6, dtype='<i8').reshape(2, 3))\n"
                    "np.save('%1/u8.npy', np.arange(5, dtype='u1'))\n"
                    "np.lib.format.write_array(open('%1/v2.npy', 'wb'), "
                    "np.ones((2, 2), 'f4'), version=(2, 0))\n"
                    "np.save('%1/fortran.npy', np.asfortranarray(np.ones((2, 3), 'f4')))\n"
                    "np.save('%1/big.npy', np.ones(3, '>f4'))\n"
                    "print('ok')")
                .arg(base));
        QCOMPARE(out, QString("ok"));
        const fs::path root = base.toStdString();
        auto i64 = NpyFile::open(root / "i64.npy");
        QVERIFY2(i64, i64.error().message.c_str());
        QCOMPARE(i64->header().dtype, DType::I64);
        QCOMPARE(i64->view().as<int64_t>()[5], int64_t(5));
        auto u8 = NpyFile::open(root / "u8.npy");
        QVERIFY(u8);
        QCOMPARE(u8->header().shape, std::vector<int64_t>{5});
        auto v2 = NpyFile::open(root / "v2.npy");
        QVERIFY2(v2, v2.error().message.c_str());
        QCOMPARE(v2->header().major_version, 2);
        QCOMPARE(v2->view().as<float>()[3], 1.0f);
        auto fortran = NpyFile::open(root / "fortran.npy");
        QVERIFY(!fortran);
        QVERIFY(fortran.error().message.find("Fortran") != std::string::npos);
        auto big = NpyFile::open(root / "big.npy");
        QVERIFY(!big);
        QVERIFY(big.error().message.find("'>f4'") != std::string::npos);
    }

    void malformed_npy_headers_give_clear_errors() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
        const std::string payload(8, '\0');
        struct Case {
            const char* name;
            std::string bytes;
            const char* expect;
        };
        const std::vector<Case> cases = {
            {"empty.npy", "", "magic"},
            {"magic.npy", "PK\x03\x04 not an npy file at all", "magic"},
            {"version.npy", npy_bytes(good, payload, 4), "version 4.0"},
            {"truncated.npy", npy_bytes(good, payload.substr(0, 5)), "truncated"},
            {"padded.npy", npy_bytes(good, payload + "xx"), "holds 10 bytes"},
            {"dict.npy", npy_bytes("{'descr': '<f4', 'shape': (2,) 'x'}", payload), "expected ','"},
            {"keys.npy", npy_bytes("{'descr': '<f4', 'shape': (2,), }", payload),
             "exactly 'descr'"},
            {"dtype.npy",
             npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", payload),
             "'<c8'"},
            {"huge.npy",
             npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': "
                       "(9223372036854775807, 9223372036854775807), }",
                       payload),
             "more than the file"},
            {"longheader.npy", std::string("\x93NUMPY\x01\x00\xff\xff", 10) + "{", "claims"},
        };
        for (const auto& c : cases) {
            write_bytes(root / c.name, c.bytes);
            auto file = NpyFile::open(root / c.name);
            QVERIFY2(!file, c.name);
            const std::string& message = file.error().message;
            QVERIFY2(message.find(c.name) != std::string::npos, message.c_str());
            QVERIFY2(message.find(c.expect) != std::string::npos, message.c_str());
        }
        auto missing = NpyFile::open(root / "absent.npy");
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void npy_resume_drops_the_tail_and_matches_an_uninterrupted_write() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::vector<float> rows(6 * 2);
        for (size_t i = 0; i < rows.size(); ++i) {
            rows[i] = static_cast<float>(i) - 3.5f;
        }
        {
            auto whole = NpyRowWriter::create(root / "whole.npy", DType::F16, 2);
            QVERIFY(whole->append(rows.data(), 6));
            QVERIFY(whole->finish());
        }
        {
            auto first = NpyRowWriter::create(root / "resumed.npy", DType::F16, 2);
            QVERIFY(first->append(rows.data(), 3));
            QVERIFY(first->sync());
            // Rows written after the last durable point; a crash would lose or keep them.
            QVERIFY(first->append(rows.data() + 6, 2));
        }  // "killed": never finished
        QVERIFY(NpyRowWriter::create(root / "resumed.npy", DType::F16, 2).has_value() == false);
        auto mismatch = NpyRowWriter::resume(root / "resumed.npy", DType::F32, 2, 3);
        QVERIFY(!mismatch);
        auto resumed = NpyRowWriter::resume(root / "resumed.npy", DType::F16, 2, 3);
        QVERIFY2(resumed, resumed.error().message.c_str());
        QVERIFY(resumed->append(rows.data() + 6, 3));
        QVERIFY(resumed->finish());
        QCOMPARE(read_bytes(root / "resumed.npy"), read_bytes(root / "whole.npy"));
    }

    void write_npy_writes_any_shape() {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "t.npy";
        const torch::Tensor t = torch::arange(24, torch::kLong).reshape({2, 3, 4});
        QVERIFY(write_npy(path, *view_of(t)));
        auto file = NpyFile::open(path);
        QVERIFY(file);
        QVERIFY(torch::equal(to_torch(file->view()), t));
    }

    void safetensors_round_trip_with_metadata() {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "w.safetensors";
        const torch::Tensor w = torch::randn({3, 5});
        const torch::Tensor h = torch::randn({7}).to(torch::kHalf);
        const torch::Tensor b = torch::randn({2, 2}).to(torch::kBFloat16);
        const torch::Tensor i = torch::arange(4, torch::kLong);
        const torch::Tensor j = torch::arange(3, torch::kInt);
        const torch::Tensor d = torch::randn({2}, torch::kDouble);
        QVERIFY(write_safetensors(path,
                                  {{"W_enc", *view_of(w)},
                                   {"half", *view_of(h)},
                                   {"bf", *view_of(b)},
                                   {"idx", *view_of(i)},
                                   {"i32", *view_of(j)},
                                   {"f64", *view_of(d)}},
                                  {{"format", "pt"}}));
        auto file = SafetensorsFile::open(path);
        QVERIFY2(file, file.error().message.c_str());
        QCOMPARE(file->names().size(), size_t(6));
        QCOMPARE(file->names().front(), std::string("W_enc"));  // file order
        QCOMPARE(file->metadata().at("format"), std::string("pt"));
        QVERIFY(torch::equal(to_torch(*file->tensor("W_enc")), w));
        QVERIFY(torch::equal(to_torch(*file->tensor("half")), h));
        QVERIFY(torch::equal(to_torch(*file->tensor("bf")), b));
        QVERIFY(torch::equal(to_torch(*file->tensor("idx")), i));
        QVERIFY(torch::equal(to_torch(*file->tensor("i32")), j));
        QVERIFY(torch::equal(to_torch(*file->tensor("f64")), d));
        auto absent = file->tensor("b_dec");
        QVERIFY(!absent);
        QCOMPARE(absent.error().code, ErrorCode::NotFound);
        QVERIFY(absent.error().message.find("W_enc") != std::string::npos);
        // The data section starts 8-byte aligned.
        const std::string bytes = read_bytes(path);
        uint64_t n = 0;
        std::memcpy(&n, bytes.data(), 8);
        QCOMPARE(n % 8, uint64_t(0));
    }

    void malformed_safetensors_give_clear_errors() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const std::string data(16, '\0');
        struct Case {
            const char* name;
            std::string bytes;
            const char* expect;
        };
        const std::vector<Case> cases = {
            {"short.st", "abc", "shorter than"},
            {"length.st", le64(1000) + "{}", "exceeds the file size"},
            {"limit.st", le64(200ull * 1000 * 1000) + "{}", "100 MB"},
            {"json.st", safetensors_bytes("{\"a\": [", data), "not valid JSON"},
            {"array.st", safetensors_bytes("[1, 2]", data), "not a JSON object"},
            {"fields.st", safetensors_bytes(R"({"a": {"dtype": "F32"}})", data), "needs dtype"},
            {"dtype.st",
             safetensors_bytes(R"({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})",
                               data),
             "C64"},
            {"outside.st",
             safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}})",
                               data),
             "outside"},
            {"size.st",
             safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}})",
                               data),
             "16 bytes of data"},
            {"overlap.st",
             safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]},)"
                               R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
                               data),
             "overlap"},
            {"negative.st",
             safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
                               data),
             "non-negative"},
        };
        for (const auto& c : cases) {
            write_bytes(root / c.name, c.bytes);
            auto file = SafetensorsFile::open(root / c.name);
            QVERIFY2(!file, c.name);
            const std::string& message = file.error().message;
            QVERIFY2(message.find(c.name) != std::string::npos, message.c_str());
            QVERIFY2(message.find(c.expect) != std::string::npos, message.c_str());
        }
    }

    void atomic_writes_replace_whole_files_and_leave_no_temporaries() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path target = root / "a.json";
        QVERIFY(write_file_atomic(target, "old"));
        {
            auto writer = AtomicFileWriter::create(target);
            QVERIFY(writer);
            QVERIFY(writer->write("new but abandoned"));
            QVERIFY(fs::exists(writer->temp_path()));
        }  // destroyed uncommitted
        QCOMPARE(read_bytes(target), std::string("old"));
        QVERIFY(write_file_atomic(target, "new"));
        QCOMPARE(read_bytes(target), std::string("new"));
        QCOMPARE(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 1L);
        auto bad = write_file_atomic(root / "missing-folder" / "x", "y");
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, ErrorCode::Io);
        QVERIFY(bad.error().message.find("missing-folder") != std::string::npos);
    }

    void sha256_matches_known_digests() {
        Sha256 empty;
        QCOMPARE(empty.hex_digest(),
                 std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        Sha256 abc;
        abc.update("abc", 3);
        QCOMPARE(abc.hex_digest(),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "m";
        write_bytes(path, std::string(1000000, 'a'));
        QCOMPARE(*sha256_file(path),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void manifest_round_trips_and_keeps_sections_of_other_stages() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        WorkspaceManifest m;
        m.model_path = "/models/vit.pt";
        m.model_sha256 = "ab12";
        m.dataset_kind = "folder";
        m.dataset_source = "/data/imagenet/val";
        m.image_count = 2;
        m.classes.set_name = "imagenet1k";
        m.classes.classes = {{"n01440764", "tench"}, {"n01443537", "goldfish"}};
        m.layers = {{"blocks.0", 64, "tokens"}, {"blocks/1", 64, "pooled"}};
        m.token = "cls";
        m.dtype = "float16";
        m.created = utc_timestamp_now();
        m.tool_version = "0.1.0";
        m.extra["sae"] = {{"blocks.0", {{"expansion", 8}}}};
        QVERIFY(write_manifest(WorkspacePaths(root).manifest(), m));
        QVERIFY(write_image_table(WorkspacePaths(root).images(),
                                  {{0, "/data/a\tb.png", 1, "train"}, {1, "c\\d.jpg", 0, ""}}));

        auto ws = Workspace::open(root);
        QVERIFY2(ws, ws.error().message.c_str());
        const auto& back = ws->manifest();
        QCOMPARE(back.model_sha256, m.model_sha256);
        QCOMPARE(back.classes.classes.at(1).name, std::string("goldfish"));
        QCOMPARE(back.layers.at(1).name, std::string("blocks/1"));
        QCOMPARE(back.extra["sae"]["blocks.0"]["expansion"].get<int>(), 8);
        QCOMPARE(back.created.size(), size_t(20));
        auto images = ws->read_images();
        QVERIFY2(images, images.error().message.c_str());
        QCOMPARE(images->at(0).path, std::string("/data/a\tb.png"));
        QCOMPARE(images->at(1).path, std::string("c\\d.jpg"));
        QCOMPARE(images->at(0).split, std::string("train"));

        // Layers map to distinct, safe file names.
        QCOMPARE(ws->paths().activations("blocks.0").filename().string(),
                 std::string("blocks.0.npy"));
        QCOMPARE(ws->paths().activations("blocks/1").filename().string(),
                 std::string("blocks%2F1.npy"));
        QCOMPARE(WorkspacePaths::layer_file_stem(".."), std::string("%2E."));
        QCOMPARE(ws->paths().sae_weights("blocks.0"),
                 root / "sae" / "blocks.0" / "sae_weights.safetensors");

        // Activations are checked against the manifest.
        auto absent_layer = ws->open_activations("blocks.9");
        QVERIFY(!absent_layer);
        QVERIFY(absent_layer.error().message.find("blocks/1") != std::string::npos);
        fs::create_directories(ws->paths().activations_dir());
        QVERIFY(write_npy(ws->paths().activations("blocks.0"),
                          *view_of(torch::zeros({2, 32}, torch::kHalf))));
        auto wrong = ws->open_activations("blocks.0");
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, ErrorCode::ShapeMismatch);
    }

    void bad_workspaces_are_refused_clearly() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        auto none = Workspace::open(root / "nothing");
        QVERIFY(!none);
        QCOMPARE(none.error().code, ErrorCode::NotFound);
        auto empty = Workspace::open(root);
        QVERIFY(!empty);
        QVERIFY(empty.error().message.find("no workspace.json") != std::string::npos);
        write_bytes(root / "workspace.json", "{\"version\": 1}");
        auto partial = Workspace::open(root);
        QVERIFY(!partial);
        QCOMPARE(partial.error().code, ErrorCode::Parse);
        write_bytes(root / "workspace.json", "{\"version\": 99}");
        QCOMPARE(Workspace::open(root).error().code, ErrorCode::Unsupported);
        write_bytes(root / "workspace.json", "not json");
        QVERIFY(Workspace::open(root).error().message.find("not valid JSON") != std::string::npos);
        write_bytes(root / "images.tsv", "index\tpath\tlabel\tsplit\n5\ta\t1\t\n");
        auto rows = read_image_table(root / "images.tsv");
        QVERIFY(!rows);
        QVERIFY(rows.error().message.find("images.tsv:2") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestStore)
#include "test_store.moc"
