// core/sae loaders: every foreign layout, written by an independent Python/numpy writer
// (tests/support/write_foreign_saes.py, safetensors bytes by hand), encodes like the reference
// codes numpy computed; our own writer round-trips; bad files fail with file + tensor named.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/sae/sae_io.h"
#include "core/store/npy_file.h"
#include "core/store/safetensors_file.h"
#include "support/float_arrays.h"

using namespace taxoscope::core;
using taxoscope::test::max_abs_diff;
using taxoscope::test::read_float_npy;
namespace fs = std::filesystem;

namespace {

std::vector<float> encode(const Sae& sae, const std::vector<float>& x) {
    auto kernel = sae.make_kernel();
    if (!kernel) {
        qWarning("%s", kernel.error().describe().c_str());
        return {};
    }
    const int64_t n = static_cast<int64_t>(x.size()) / sae.config().d_in;
    std::vector<float> codes(static_cast<size_t>(n * sae.config().d_sae));
    if (!kernel->encode(x.data(), n, codes.data())) {
        return {};
    }
    return codes;
}

void copy_folder(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

// Overwrites one float of a tensor in a safetensors file. The tensor's offset in the data section
// is its distance from the first tensor (the fixture writer starts the data at offset 0).
void poke_float(const fs::path& path, const std::string& tensor, size_t index, float value) {
    size_t offset = 0;
    {
        auto file = SafetensorsFile::open(path);
        QVERIFY(file.has_value());
        auto view = file->tensor(tensor);
        auto first = file->tensor(file->names().front());
        QVERIFY(view.has_value() && first.has_value());
        offset = static_cast<size_t>(static_cast<const char*>(view->data) -
                                     static_cast<const char*>(first->data));
    }
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    uint64_t header = 0;
    io.read(reinterpret_cast<char*>(&header), 8);
    io.seekp(static_cast<std::streamoff>(8 + header + offset + index * sizeof(float)));
    io.write(reinterpret_cast<const char*>(&value), sizeof(float));
}

}  // namespace

class TestSaeFormats : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;
    fs::path root_;
    bool have_torch_ = false;
    std::vector<float> x_;

    void check_case(const char* name, SaeFormat format, Activation architecture) {
        const fs::path folder = root_ / name;
        auto sae = load_sae(folder);
        QVERIFY2(sae.has_value(), sae ? "" : sae.error().describe().c_str());
        QCOMPARE(static_cast<int>(sae->config().source_format), static_cast<int>(format));
        QCOMPARE(static_cast<int>(sae->config().architecture), static_cast<int>(architecture));
        QCOMPARE(sae->config().d_in, int64_t{16});
        QCOMPARE(sae->config().d_sae, int64_t{48});
        const auto ref = read_float_npy(folder / "ref_codes.npy");
        const auto codes = encode(*sae, x_);
        QVERIFY2(max_abs_diff(codes, ref) < 1e-5, name);
        // Our writer, then our reader: the same SAE in our layout encodes the same.
        const fs::path copy = root_ / (std::string(name) + "_ours");
        QVERIFY(save_sae(copy, *sae).has_value());
        auto again = load_sae(copy / kSaeConfigFile);
        QVERIFY2(again.has_value(), again ? "" : again.error().describe().c_str());
        QCOMPARE(static_cast<int>(again->config().source_format),
                 static_cast<int>(SaeFormat::Taxoscope));
        QCOMPARE(again->config().imported_from, std::string(to_string(format)));
        QCOMPARE(again->config().weight_dtype, sae->config().weight_dtype);
        QCOMPARE(again->config().k, sae->config().k);
        QVERIFY(again->weights().w_enc == sae->weights().w_enc);
        QVERIFY(again->weights().w_dec == sae->weights().w_dec);
        QVERIFY(again->weights().threshold == sae->weights().threshold);
        QCOMPARE(encode(*again, x_), codes);
    }

    // A copy of a case to break.
    fs::path broken_copy(const char* from, const char* name) {
        const fs::path to = root_ / "broken" / name;
        copy_folder(root_ / from, to);
        return to;
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        root_ = dir_.path().toStdString();
        // With ae.pt files when Python has torch, without them otherwise.
        for (const bool with_torch : {true, false}) {
            QStringList args{
                QStringLiteral(TAXOSCOPE_SOURCE_DIR) + "/tests/support/write_foreign_saes.py",
                dir_.path()};
            if (with_torch) {
                args << "--torch";
            }
            QProcess p;
            p.start("/usr/bin/python3", args);
            if (p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit &&
                p.exitCode() == 0) {
                have_torch_ = with_torch;
                break;
            }
            if (!with_torch) {
                QSKIP("/usr/bin/python3 with numpy is needed to write the foreign SAE fixtures");
            }
        }
        x_ = read_float_npy(root_ / "x.npy");
        QCOMPARE(x_.size(), size_t{37 * 16});
    }

    void saelens_current_relu() {
        check_case("saelens_relu", SaeFormat::SaeLens, Activation::ReLU);
    }

    void saelens_jumprelu_float16() {
        check_case("saelens_jumprelu_f16", SaeFormat::SaeLens, Activation::JumpReLU);
        auto sae = load_sae(root_ / "saelens_jumprelu_f16");
        QCOMPARE(sae->config().weight_dtype, DType::F16);
        QVERIFY(!sae->config().apply_b_dec_to_input);
    }

    void saelens_legacy_topk() {
        check_case("saelens_legacy_topk", SaeFormat::SaeLensLegacy, Activation::TopK);
        auto sae = load_sae(root_ / "saelens_legacy_topk");
        QCOMPARE(sae->config().k, int64_t{5});
        QCOMPARE(sae->config().hook_name, std::string("blocks.5.hook_resid_post"));
    }

    void sparsify_topk() {
        check_case("sparsify_topk", SaeFormat::Sparsify, Activation::TopK);
        QVERIFY(load_sae(root_ / "sparsify_topk")->config().apply_b_dec_to_input);
    }

    void dictionary_learning_autoencoder() {
        if (!have_torch_) {
            QSKIP("python3-torch is needed to write ae.pt");
        }
        check_case("dictionary_learning_relu", SaeFormat::DictionaryLearning, Activation::ReLU);
    }

    void dictionary_learning_topk() {
        if (!have_torch_) {
            QSKIP("python3-torch is needed to write ae.pt");
        }
        check_case("dictionary_learning_topk", SaeFormat::DictionaryLearning, Activation::TopK);
        QCOMPARE(load_sae(root_ / "dictionary_learning_topk")->config().k, int64_t{5});
    }

    void conversion_script_output_loads() {
        if (!have_torch_) {
            QSKIP("python3-torch is needed to run the conversion script");
        }
        QProcess p;
        p.start(
            "/usr/bin/python3",
            {QStringLiteral(TAXOSCOPE_SOURCE_DIR) + "/packaging/convert_dictionary_learning_sae.py",
             QString::fromStdString((root_ / "dictionary_learning_topk").string()),
             QString::fromStdString((root_ / "converted").string())});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        auto sae = load_sae(root_ / "converted");
        QVERIFY2(sae.has_value(), sae ? "" : sae.error().describe().c_str());
        QCOMPARE(sae->config().k, int64_t{5});
        QCOMPARE(sae->config().imported_from, std::string("dictionary_learning"));
        QVERIFY(max_abs_diff(encode(*sae, x_), read_float_npy(root_ / "dictionary_learning_topk" /
                                                              "ref_codes.npy")) < 1e-5);
    }

    void orientation_is_decided_from_shapes() {
        auto sae = load_sae(root_ / "saelens_transposed");
        QVERIFY2(sae.has_value(), sae ? "" : sae.error().describe().c_str());
        QCOMPARE(sae->config().notes.size(), size_t{1});
        QVERIFY(sae->config().notes[0].find("W_enc") != std::string::npos);
        QVERIFY(max_abs_diff(encode(*sae, x_), read_float_npy(root_ / "saelens_transposed" /
                                                              "ref_codes.npy")) < 1e-5);
    }

    void layer_width_mismatch_names_file_and_tensor() {
        SaeLoadOptions options;
        options.expected_d_in = 24;
        options.layer = "blocks.3";
        for (const char* name : {"saelens_relu", "sparsify_topk"}) {
            auto sae = load_sae(root_ / name, options);
            QVERIFY(!sae.has_value());
            const std::string& m = sae.error().message;
            QCOMPARE(sae.error().code, ErrorCode::ShapeMismatch);
            QVERIFY2(m.find(name) != std::string::npos, m.c_str());
            QVERIFY2(m.find("16") != std::string::npos && m.find("24") != std::string::npos &&
                         m.find("blocks.3") != std::string::npos,
                     m.c_str());
        }
        auto right = load_sae(root_ / "saelens_relu", SaeLoadOptions{16, "blocks.3"});
        QVERIFY(right.has_value());
    }

    void wrong_shape_names_tensor_and_shapes() {
        const fs::path d = broken_copy("saelens_relu", "wrong_shape");
        // cfg says d_sae 40: W_enc [16, 48] fits neither [16, 40] nor [40, 16].
        std::ofstream(d / "cfg.json") << R"({"architecture": "standard", "d_in": 16, "d_sae": 40})";
        auto sae = load_sae(d);
        QVERIFY(!sae.has_value());
        const std::string& m = sae.error().message;
        QVERIFY2(m.find("sae_weights.safetensors") != std::string::npos &&
                     m.find("'W_enc'") != std::string::npos &&
                     m.find("[16, 48]") != std::string::npos &&
                     m.find("[16, 40]") != std::string::npos,
                 m.c_str());
    }

    void missing_tensor_is_named() {
        const fs::path d = root_ / "broken" / "missing";
        fs::create_directories(d);
        fs::copy_file(root_ / "sparsify_topk" / "cfg.json", d / "cfg.json");
        // A sparsify file without b_dec, written by our own writer from the original's tensors.
        auto original = SafetensorsFile::open(root_ / "sparsify_topk" / "sae.safetensors");
        QVERIFY(original.has_value());
        std::vector<NamedTensor> kept;
        for (const auto& name : original->names()) {
            if (name != "b_dec") {
                kept.emplace_back(name, *original->tensor(name));
            }
        }
        QVERIFY(write_safetensors(d / "sae.safetensors", kept).has_value());
        auto sae = load_sae(d);
        QVERIFY(!sae.has_value());
        QCOMPARE(sae.error().code, ErrorCode::NotFound);
        QVERIFY2(sae.error().message.find("sae.safetensors") != std::string::npos &&
                     sae.error().message.find("'b_dec'") != std::string::npos,
                 sae.error().message.c_str());
    }

    void nan_weight_is_refused() {
        const fs::path d = broken_copy("saelens_relu", "nan");
        poke_float(d / kSaeWeightsFile, "W_dec", 7, std::nanf(""));
        auto sae = load_sae(d);
        QVERIFY(!sae.has_value());
        const std::string& m = sae.error().message;
        QVERIFY2(m.find("sae_weights.safetensors") != std::string::npos &&
                     m.find("'W_dec'") != std::string::npos && m.find("NaN") != std::string::npos,
                 m.c_str());
    }

    void truncated_file_is_refused() {
        const fs::path d = broken_copy("saelens_relu", "truncated");
        const fs::path weights = d / kSaeWeightsFile;
        fs::resize_file(weights, fs::file_size(weights) - 100);
        auto sae = load_sae(d);
        QVERIFY(!sae.has_value());
        const std::string& m = sae.error().message;
        QVERIFY2(m.find("sae_weights.safetensors") != std::string::npos &&
                     m.find("tensor '") != std::string::npos,
                 m.c_str());
    }

    void unknown_folder_lists_what_was_expected() {
        auto sae = load_sae(root_);
        QVERIFY(!sae.has_value());
        QCOMPARE(sae.error().code, ErrorCode::NotFound);
        QVERIFY(sae.error().message.find("sae_weights.safetensors") != std::string::npos);
        QVERIFY(!load_sae(root_ / "no such folder").has_value());
    }

    void unreadable_ae_pt_points_to_the_conversion_script() {
        const fs::path d = root_ / "broken" / "bad_ae";
        fs::create_directories(d);
        std::ofstream(d / "ae.pt") << "this is not a torch file";
        auto sae = load_sae(d);
        QVERIFY(!sae.has_value());
        QCOMPARE(sae.error().code, ErrorCode::Unsupported);
        QVERIFY2(
            sae.error().message.find("convert_dictionary_learning_sae.py") != std::string::npos,
            sae.error().message.c_str());
    }

    void constant_activation_scale_is_applied() {
        // Scale s: the SAE sees s·x; encode(x) must equal the unscaled SAE on s·x, and decoding
        // must return to x's scale.
        auto base = load_sae(root_ / "saelens_relu");
        QVERIFY(base.has_value());
        SaeConfig config = base->config();
        config.activation_scale = 2.5;
        auto scaled = Sae::create(config, base->weights(), "test");
        QVERIFY(scaled.has_value());
        std::vector<float> sx(x_);
        for (float& v : sx) {
            v *= 2.5f;
        }
        QVERIFY(max_abs_diff(encode(*scaled, x_), encode(*base, sx)) < 1e-4);
        // Round trip through cfg.json keeps the scale.
        QVERIFY(save_sae(root_ / "scaled", *scaled).has_value());
        auto again = load_sae(root_ / "scaled");
        QVERIFY(again.has_value());
        QCOMPARE(again->config().activation_scale, 2.5);
        auto k_base = base->make_kernel();
        auto k_scaled = scaled->make_kernel();
        const auto codes = encode(*scaled, x_);
        std::vector<float> a(x_.size());
        std::vector<float> b(x_.size());
        QVERIFY(k_scaled->decode(codes.data(), 37, a.data()).has_value());
        QVERIFY(k_base->decode(codes.data(), 37, b.data()).has_value());
        for (size_t i = 0; i < a.size(); ++i) {
            QVERIFY(std::abs(a[i] * 2.5f - b[i]) < 1e-4f);
        }
    }
};

QTEST_APPLESS_MAIN(TestSaeFormats)
#include "test_sae_formats.moc"
