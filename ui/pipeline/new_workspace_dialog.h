// File → New Workspace: the form (model, images, class set, layers, token, device, SAEs, output
// folder) with inline validation, and the pipeline run from it (PipelineRunner). Pointing it
// at the folder of a cancelled run resumes that run; the last settings are remembered.
#pragma once

#include <QDialog>
#include <QString>
#include <QStringList>

#include <vector>

#include "core/model/layer_output.h"
#include "ui/pipeline/pipeline_settings.h"

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QTimer;

namespace taxoscope::ui {

class PipelineRunner;

class NewWorkspaceDialog : public QDialog {
    Q_OBJECT
  public:
    explicit NewWorkspaceDialog(QWidget* parent = nullptr);
    ~NewWorkspaceDialog() override;

    // What the form says now (whether or not it is valid).
    PipelineSettings settings() const;
    // Why Start is disabled, one sentence each naming the field or file; empty when ready.
    QStringList problems() const;
    bool is_reading_model() const { return reading_model_; }
    bool is_running() const;
    PipelineRunner* runner() const { return runner_; }
    // The last run's outcome as shown under the form (the full error message on failure).
    QString status_text() const;

  public Q_SLOTS:
    // Same as pressing Start: runs (or resumes) the pipeline when the form is valid.
    void start();
    // Close; while the pipeline runs this cancels it instead (run_finished() reports).
    void reject() override;

  Q_SIGNALS:
    // Every stage finished; the dialog then closes with Accepted.
    void workspace_created(const QString& folder);

  private:
    QWidget* build_input_group();
    QWidget* build_extraction_group();
    QWidget* build_sae_group();
    QWidget* build_analysis_group();
    QWidget* build_output_group();
    void read_model();
    void fill_layers(const std::vector<core::LayerInfo>& layers);
    void refresh_import_rows();
    void update_state();
    void run_finished(bool ok, bool cancelled, const QString& message);
    void append_log(const QString& line);
    void restore_settings();
    void save_settings() const;
    void choose_model();
    void choose_image_folder();
    void choose_manifest();
    void choose_class_file();
    void choose_output();
    void choose_import_folder();
    void fill_imports_from_folder();
    QStringList checked_layers() const;
    void set_form_enabled(bool enabled);

    QWidget* form_ = nullptr;
    QLineEdit* model_edit_ = nullptr;
    QLabel* model_status_ = nullptr;
    QLineEdit* images_edit_ = nullptr;
    QComboBox* classes_combo_ = nullptr;
    QListWidget* layers_list_ = nullptr;
    QComboBox* token_combo_ = nullptr;
    QComboBox* device_combo_ = nullptr;
    QSpinBox* limit_spin_ = nullptr;
    QRadioButton* train_radio_ = nullptr;
    QRadioButton* import_radio_ = nullptr;
    QStackedWidget* sae_pages_ = nullptr;
    QComboBox* architecture_combo_ = nullptr;
    QDoubleSpinBox* l1_spin_ = nullptr;
    QSpinBox* k_spin_ = nullptr;
    QSpinBox* expansion_spin_ = nullptr;
    QSpinBox* steps_spin_ = nullptr;
    QSpinBox* batch_spin_ = nullptr;
    QTableWidget* import_table_ = nullptr;
    QSpinBox* topk_images_spin_ = nullptr;
    QCheckBox* probe_check_ = nullptr;
    QLineEdit* out_edit_ = nullptr;
    QLabel* out_status_ = nullptr;
    QLabel* problems_label_ = nullptr;
    QLabel* status_label_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QPushButton* start_button_ = nullptr;
    QPushButton* close_button_ = nullptr;
    QTimer* model_timer_ = nullptr;

    PipelineRunner* runner_ = nullptr;
    std::vector<core::LayerInfo> model_layers_;
    QString model_error_;
    QString read_model_path_;     // the path model_layers_ / model_error_ describe
    QStringList pending_layers_;  // restored choice, applied when the layers arrive
    bool reading_model_ = false;
    int model_generation_ = 0;
};

}  // namespace taxoscope::ui
