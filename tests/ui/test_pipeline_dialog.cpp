// File → New Workspace: the pipeline dialog builds a workspace from a tiny TorchScript model made
// here and a few synthetic PNGs in Fashion-MNIST class folders (extract → train SAEs → analyze,
// the same core calls as the CLI), checked with the core readers. A bad model is named inline
// and nothing is created; a failing run leaves no folder behind; a run cancelled mid-way is
// resumed by starting the dialog again on the same folder; the main window opens the result.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <filesystem>
#include <fstream>

#include "core/analysis/analysis_file.h"
#include "core/sae/sae_io.h"
#include "core/sae/sae_trainer.h"
#include "core/store/npy_file.h"
#include "core/store/workspace.h"
#include "support/isolated_settings.h"
#include "support/tiny_models.h"
#include "ui/explorer/explorer_widget.h"
#include "ui/main_window.h"
#include "ui/pipeline/new_workspace_dialog.h"
#include "ui/pipeline/pipeline_runner.h"
#include "ui/tasks/task_progress_dialog.h"

using namespace taxoscope;
namespace fs = std::filesystem;

namespace {

constexpr int kRunTimeoutMs = 60000;
// Three Fashion-MNIST classes by wnid: T-shirt/top, Trouser, Sneaker.
const char* const kClassFolders[] = {"n03595614", "n04489008", "n03472535"};
constexpr int kImagesPerClass = 4;

template <typename T>
T* child(QWidget* parent, const char* name) {
    T* found = parent->findChild<T*>(QString::fromLatin1(name));
    if (found == nullptr) {
        qFatal("no child %s", name);
    }
    return found;
}

void set_text(QLineEdit* edit, const QString& text) {
    edit->clear();
    QTest::keyClicks(edit, text);
}

}  // namespace

class TestPipelineDialog : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void builds_a_workspace();
    void imports_saes_per_layer();
    void bad_model_is_named_and_nothing_is_created();
    void failing_run_leaves_no_folder();
    void cancel_then_rerun_resumes();
    void main_window_opens_the_new_workspace();

  private:
    // Fills the form for the tiny model, the synthetic images and `out`; waits for the layers.
    void fill(ui::NewWorkspaceDialog& dialog, const QString& images, const QString& out);
    void check_workspace(const QString& out);

    QTemporaryDir dir_;
    QTemporaryDir settings_;
    QString model_;
    QString images_;
};

void TestPipelineDialog::initTestCase() {
    test::use_isolated_settings(settings_.path(), "test_pipeline_dialog");
    QVERIFY(dir_.isValid());
    const fs::path root = dir_.path().toStdString();
    model_ = QString::fromStdString((root / "tiny_vit.pt").string());
    test::save_model(test::tiny_vit(), model_.toStdString(), test::tiny_vit_metadata());
    int seed = 0;
    for (const char* folder : kClassFolders) {
        for (int i = 0; i < kImagesPerClass; ++i) {
            test::write_test_image(root / "images" / folder / ("img" + std::to_string(i) + ".png"),
                                   24, 20, seed++);
        }
    }
    images_ = QString::fromStdString((root / "images").string());
}

void TestPipelineDialog::fill(ui::NewWorkspaceDialog& dialog, const QString& images,
                              const QString& out) {
    set_text(child<QLineEdit>(&dialog, "modelEdit"), model_);
    set_text(child<QLineEdit>(&dialog, "imagesEdit"), images);
    auto* classes = child<QComboBox>(&dialog, "classesCombo");
    classes->setCurrentIndex(classes->findData(QStringLiteral("fashion-mnist")));
    QVERIFY(classes->currentIndex() > 0);
    set_text(child<QLineEdit>(&dialog, "outEdit"), out);
    auto* layers = child<QListWidget>(&dialog, "layersList");
    QTRY_COMPARE_WITH_TIMEOUT(layers->count(), 3, 20000);  // blocks.0, blocks.1, pooled
    QVERIFY(!dialog.is_reading_model());
    for (int i = 0; i < layers->count(); ++i) {
        const bool keep = layers->item(i)->data(Qt::UserRole).toString().startsWith("blocks.");
        layers->item(i)->setCheckState(keep ? Qt::Checked : Qt::Unchecked);
    }
    child<QRadioButton>(&dialog, "trainRadio")->setChecked(true);
    child<QSpinBox>(&dialog, "expansionSpin")->setValue(4);
    child<QSpinBox>(&dialog, "stepsSpin")->setValue(40);
    child<QSpinBox>(&dialog, "batchSpin")->setValue(16);
    child<QSpinBox>(&dialog, "topkImagesSpin")->setValue(4);
}

void TestPipelineDialog::check_workspace(const QString& out) {
    const core::WorkspacePaths paths(out.toStdString());
    const int64_t rows = static_cast<int64_t>(std::size(kClassFolders)) * kImagesPerClass;
    for (const char* name : {"blocks.0", "blocks.1"}) {
        const std::string layer = name;
        auto activations = core::NpyFile::open(paths.activations(layer));
        QVERIFY2(activations.has_value(), activations ? "" : activations.error().message.c_str());
        QVERIFY(activations->header().shape == (std::vector<int64_t>{rows, 8}));
        auto sae = core::load_sae(paths.sae_dir(layer));
        QVERIFY2(sae.has_value(), sae ? "" : sae.error().message.c_str());
        QCOMPARE(sae->config().d_in, int64_t{8});
        QCOMPARE(sae->config().d_sae, int64_t{32});
        QVERIFY(!fs::exists(paths.sae_dir(layer) / core::kTrainingCheckpointFile));
        QVERIFY(fs::exists(paths.analysis(layer)));
    }
    QVERIFY(!fs::exists(paths.activations("pooled")));
    auto summary = core::read_analysis_summary(paths.analysis_summary());
    QVERIFY2(summary.has_value(), summary ? "" : summary.error().message.c_str());
    QCOMPARE(summary->layers.size(), size_t{2});
    QCOMPARE(summary->layers.at("blocks.1").rows, rows);
    QCOMPARE(summary->layers.at("blocks.1").d_sae, int64_t{32});
    QVERIFY(!fs::exists(paths.extract_progress()));
}

void TestPipelineDialog::builds_a_workspace() {
    ui::NewWorkspaceDialog dialog;
    dialog.show();
    const QString out = dir_.filePath("ws");
    fill(dialog, images_, out);
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    auto* start = child<QPushButton>(&dialog, "startButton");
    QVERIFY(start->isEnabled());
    QCOMPARE(start->text(), QStringLiteral("Create Workspace"));
    QVERIFY(dialog.grab().save("/tmp/taxoscope_new_workspace_dialog.png"));

    QSignalSpy created(&dialog, &ui::NewWorkspaceDialog::workspace_created);
    QStringList titles;
    QStringList progress_texts;
    connect(
        dialog.runner(), &ui::PipelineRunner::stage_started, this, [&](int, const QString& title) {
            titles << title;
            // The stage's progress dialog exists once the stage has started.
            QTimer::singleShot(0, this, [&] {
                if (auto* progress = dialog.runner()->progress_dialog()) {
                    progress_texts << progress->windowTitle();
                    progress->grab().save(QStringLiteral("/tmp/taxoscope_pipeline_progress%1.png")
                                              .arg(progress_texts.size()));
                }
            });
        });
    QTest::mouseClick(start, Qt::LeftButton);
    QVERIFY(dialog.is_running());
    QTRY_COMPARE_WITH_TIMEOUT(created.count(), 1, kRunTimeoutMs);
    QCOMPARE(created.at(0).at(0).toString(), QFileInfo(out).absoluteFilePath());
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(titles, ui::PipelineRunner::stage_titles());
    QCOMPARE(progress_texts.size(), 3);
    QVERIFY(progress_texts.at(0).contains("Step 1 of 3"));
    const QString log = child<QPlainTextEdit>(&dialog, "pipelineLog")->toPlainText();
    QVERIFY2(log.contains("extracted 12 images, 2 layer(s)"), qPrintable(log));
    QVERIFY2(log.contains("coverage"), qPrintable(log));
    check_workspace(out);
}

void TestPipelineDialog::imports_saes_per_layer() {
    // The SAEs trained by builds_a_workspace, imported into a new workspace one folder per layer.
    const core::WorkspacePaths source(dir_.filePath("ws").toStdString());
    QVERIFY(fs::exists(source.sae_config("blocks.1")));
    ui::NewWorkspaceDialog dialog;
    dialog.show();
    const QString out = dir_.filePath("ws_import");
    fill(dialog, images_, out);
    QTest::mouseClick(child<QRadioButton>(&dialog, "importRadio"), Qt::LeftButton);
    auto* table = child<QTableWidget>(&dialog, "importTable");
    QCOMPARE(table->rowCount(), 2);
    QVERIFY(dialog.problems().join(' ').contains("Choose the SAE folder of layer blocks.0"));
    for (int row = 0; row < table->rowCount(); ++row) {
        const std::string layer = table->item(row, 0)->text().toStdString();
        table->item(row, 1)->setText(QString::fromStdString(source.sae_dir(layer).string()));
    }
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    dialog.grab().save("/tmp/taxoscope_new_workspace_import.png");
    QSignalSpy created(&dialog, &ui::NewWorkspaceDialog::workspace_created);
    QTest::mouseClick(child<QPushButton>(&dialog, "startButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(created.count(), 1, kRunTimeoutMs);
    const QString log = child<QPlainTextEdit>(&dialog, "pipelineLog")->toPlainText();
    QVERIFY2(log.contains("blocks.0: imported"), qPrintable(log));
    const core::WorkspacePaths paths(out.toStdString());
    auto sae = core::load_sae(paths.sae_dir("blocks.0"));
    QVERIFY2(sae.has_value(), sae ? "" : sae.error().message.c_str());
    QCOMPARE(sae->config().d_sae, int64_t{32});
    QVERIFY(fs::exists(paths.analysis("blocks.1")));
}

void TestPipelineDialog::bad_model_is_named_and_nothing_is_created() {
    const QString bad = dir_.filePath("broken_model.pt");
    {
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a TorchScript archive");
    }
    ui::NewWorkspaceDialog dialog;
    dialog.show();
    const QString out = dir_.filePath("ws_bad");
    set_text(child<QLineEdit>(&dialog, "modelEdit"), bad);
    set_text(child<QLineEdit>(&dialog, "imagesEdit"), images_);
    set_text(child<QLineEdit>(&dialog, "outEdit"), out);
    QTRY_VERIFY_WITH_TIMEOUT(
        !dialog.is_reading_model() && dialog.problems().join(' ').contains("cannot be used"),
        20000);
    const QString shown = child<QLabel>(&dialog, "problemsLabel")->text();
    dialog.grab().save("/tmp/taxoscope_new_workspace_bad_model.png");
    QVERIFY2(shown.contains(bad), qPrintable(shown));
    auto* start = child<QPushButton>(&dialog, "startButton");
    QVERIFY(!start->isEnabled());
    QTest::mouseClick(start, Qt::LeftButton);
    QVERIFY(!dialog.is_running());
    QVERIFY(!fs::exists(out.toStdString()));

    // A missing model and a non-empty output folder are named too.
    set_text(child<QLineEdit>(&dialog, "modelEdit"), dir_.filePath("missing.pt"));
    set_text(child<QLineEdit>(&dialog, "outEdit"), images_);
    QTRY_VERIFY(dialog.problems().join(' ').contains("missing.pt does not exist"));
    QVERIFY(dialog.problems().join(' ').contains(images_ + " is not empty"));
}

void TestPipelineDialog::failing_run_leaves_no_folder() {
    // A class folder the class set does not know: the extraction fails when it opens the images.
    const fs::path images = fs::path(dir_.path().toStdString()) / "odd_images";
    test::write_test_image(images / "n03595614" / "a.png", 24, 20, 1);
    test::write_test_image(images / "not-a-class" / "b.png", 24, 20, 2);
    ui::NewWorkspaceDialog dialog;
    dialog.show();
    const QString out = dir_.filePath("ws_fail");
    fill(dialog, QString::fromStdString(images.string()), out);
    QSignalSpy finished(dialog.runner(), &ui::PipelineRunner::finished);
    QTest::mouseClick(child<QPushButton>(&dialog, "startButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    QCOMPARE(finished.at(0).at(0).toBool(), false);  // not ok
    QCOMPARE(finished.at(0).at(1).toBool(), false);  // not cancelled
    const QString status = dialog.status_text();
    QVERIFY2(status.contains("not-a-class") && status.contains("fashion-mnist"),
             qPrintable(status));
    QVERIFY(dialog.isVisible());
    QVERIFY(!fs::exists(out.toStdString()));
    dialog.grab().save("/tmp/taxoscope_new_workspace_failed.png");
}

void TestPipelineDialog::cancel_then_rerun_resumes() {
    const QString out = dir_.filePath("ws_resume");
    const core::WorkspacePaths paths(out.toStdString());
    {
        ui::NewWorkspaceDialog dialog;
        dialog.show();
        fill(dialog, images_, out);
        // Cancel as the SAE stage starts: extraction is complete, training stops at step 0.
        connect(dialog.runner(), &ui::PipelineRunner::stage_started, &dialog, [&](int index) {
            if (index == 1) {
                dialog.runner()->cancel();
            }
        });
        QSignalSpy finished(dialog.runner(), &ui::PipelineRunner::finished);
        QTest::mouseClick(child<QPushButton>(&dialog, "startButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QCOMPARE(finished.at(0).at(1).toBool(), true);  // cancelled
        QVERIFY2(dialog.status_text().contains("resume"), qPrintable(dialog.status_text()));
        QVERIFY(fs::exists(paths.manifest()));
        QVERIFY(fs::exists(paths.sae_dir("blocks.0") / core::kTrainingCheckpointFile));
        QVERIFY(!fs::exists(paths.analysis_summary()));
        QCOMPARE(child<QPushButton>(&dialog, "startButton")->text(), QStringLiteral("Resume"));
        dialog.reject();
    }
    // The dialog again: every field comes back from the last run, the same folder resumes.
    ui::NewWorkspaceDialog dialog;
    dialog.show();
    QCOMPARE(child<QLineEdit>(&dialog, "outEdit")->text(), out);
    QCOMPARE(child<QSpinBox>(&dialog, "stepsSpin")->value(), 40);
    auto* layers = child<QListWidget>(&dialog, "layersList");
    QTRY_COMPARE_WITH_TIMEOUT(layers->count(), 3, 20000);
    QCOMPARE(layers->item(2)->checkState(), Qt::Unchecked);  // pooled stays unticked
    auto* start = child<QPushButton>(&dialog, "startButton");
    QTRY_VERIFY(start->isEnabled());
    QCOMPARE(start->text(), QStringLiteral("Resume"));
    QSignalSpy created(&dialog, &ui::NewWorkspaceDialog::workspace_created);
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(created.count(), 1, kRunTimeoutMs);
    const QString log = child<QPlainTextEdit>(&dialog, "pipelineLog")->toPlainText();
    QVERIFY2(log.contains("already extracted"), qPrintable(log));
    QVERIFY2(log.contains("blocks.0: resumed and trained"), qPrintable(log));
    check_workspace(out);
}

void TestPipelineDialog::main_window_opens_the_new_workspace() {
    ui::MainWindow window;
    window.show();
    QAction* action = window.findChild<QAction*>(QStringLiteral("actionNewWorkspace"));
    QVERIFY(action != nullptr);
    QCOMPARE(action->shortcut(), QKeySequence(QKeySequence::New));
    action->trigger();
    auto* dialog = window.findChild<ui::NewWorkspaceDialog*>();
    QVERIFY(dialog != nullptr);
    QVERIFY(dialog->isVisible());
    const QString out = dir_.filePath("ws_window");
    fill(*dialog, images_, out);
    QSignalSpy loaded(&window, &ui::MainWindow::workspace_loaded);
    QTest::mouseClick(child<QPushButton>(dialog, "startButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kRunTimeoutMs);
    QCOMPARE(window.workspace_folder(), QFileInfo(out).absoluteFilePath());
    QVERIFY(window.explorer()->session() != nullptr);
}

QTEST_MAIN(TestPipelineDialog)
#include "test_pipeline_dialog.moc"
