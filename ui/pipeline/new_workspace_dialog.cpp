#include "ui/pipeline/new_workspace_dialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

#include "core/model/model_runner.h"
#include "core/store/workspace.h"
#include "core/taxonomy/class_list.h"
#include "core/util/runtime_info.h"
#include "ui/pipeline/pipeline_runner.h"
#include "ui/tasks/background_task.h"

namespace taxoscope::ui {
namespace {

using LayersResult = core::Result<std::vector<core::LayerInfo>>;

const char* const kSettingsGroup = "newWorkspace";

QString layer_label(const core::LayerInfo& layer) {
    QStringList shape;
    for (const int64_t d : layer.shape) {
        shape << QString::number(d);
    }
    return QStringLiteral("%1   (%2 [%3], width %4)")
        .arg(QString::fromStdString(layer.name), QString::fromStdString(to_string(layer.kind)),
             shape.join(QStringLiteral(", ")))
        .arg(layer.dim);
}

bool is_fashion_mnist_spec(const QString& images) {
    return images == QLatin1String("fashion-mnist") ||
           images.startsWith(QLatin1String("fashion-mnist:"));
}

QPushButton* small_button(const QString& text, const QString& tip, QWidget* parent) {
    auto* button = new QPushButton(text, parent);
    button->setToolTip(tip);
    button->setAutoDefault(false);
    return button;
}

// A line edit with one or more browse buttons beside it.
QWidget* with_buttons(QLineEdit* edit, const QList<QPushButton*>& buttons, QWidget* parent) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    for (QPushButton* button : buttons) {
        layout->addWidget(button);
    }
    return row;
}

QLabel* hint_label(QWidget* parent, const QString& name) {
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, palette.color(QPalette::PlaceholderText));
    label->setPalette(palette);
    return label;
}

}  // namespace

NewWorkspaceDialog::NewWorkspaceDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("newWorkspaceDialog"));
    setWindowTitle(tr("New Workspace"));
    runner_ = new PipelineRunner(this, this);
    connect(runner_, &PipelineRunner::stage_started, this, [this](int index, const QString& title) {
        append_log(tr("Step %1: %2…").arg(index + 1).arg(title));
    });
    connect(runner_, &PipelineRunner::stage_finished, this,
            [this](int, const QString& account) { append_log(account); });
    connect(runner_, &PipelineRunner::finished, this, &NewWorkspaceDialog::run_finished);

    model_timer_ = new QTimer(this);
    model_timer_->setSingleShot(true);
    model_timer_->setInterval(300);
    connect(model_timer_, &QTimer::timeout, this, &NewWorkspaceDialog::read_model);

    form_ = new QWidget(this);
    auto* left = new QVBoxLayout;
    left->addWidget(build_input_group());
    left->addWidget(build_extraction_group(), 1);
    auto* right = new QVBoxLayout;
    right->addWidget(build_sae_group(), 1);
    right->addWidget(build_analysis_group());
    auto* columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(right, 1);
    auto* form_layout = new QVBoxLayout(form_);
    form_layout->setContentsMargins(0, 0, 0, 0);
    form_layout->addLayout(columns);
    form_layout->addWidget(build_output_group());

    problems_label_ = new QLabel(this);
    problems_label_->setObjectName(QStringLiteral("problemsLabel"));
    problems_label_->setWordWrap(true);
    problems_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problems_label_->setStyleSheet(QStringLiteral("color: #a33;"));
    status_label_ = new QLabel(this);
    status_label_->setObjectName(QStringLiteral("pipelineStatus"));
    status_label_->setWordWrap(true);
    status_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_label_->setVisible(false);
    log_ = new QPlainTextEdit(this);
    log_->setObjectName(QStringLiteral("pipelineLog"));
    log_->setReadOnly(true);
    log_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    log_->setPlaceholderText(tr("What each stage did appears here."));
    log_->setMaximumHeight(110);

    auto* buttons = new QDialogButtonBox(this);
    start_button_ = buttons->addButton(tr("Create Workspace"), QDialogButtonBox::AcceptRole);
    start_button_->setObjectName(QStringLiteral("startButton"));
    start_button_->setDefault(true);
    close_button_ = buttons->addButton(QDialogButtonBox::Close);
    close_button_->setObjectName(QStringLiteral("closeButton"));
    // The buttons are wired by hand: AcceptRole must not close the dialog before the run.
    connect(start_button_, &QPushButton::clicked, this, &NewWorkspaceDialog::start);
    connect(close_button_, &QPushButton::clicked, this, &NewWorkspaceDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(form_);
    layout->addWidget(problems_label_);
    layout->addWidget(status_label_);
    layout->addWidget(log_);
    layout->addWidget(buttons);

    restore_settings();
    update_state();
    resize(sizeHint().expandedTo(QSize(980, 0)));
}

NewWorkspaceDialog::~NewWorkspaceDialog() = default;

QWidget* NewWorkspaceDialog::build_input_group() {
    auto* group = new QGroupBox(tr("Model and images"), this);
    auto* form = new QFormLayout(group);

    model_edit_ = new QLineEdit(group);
    model_edit_->setObjectName(QStringLiteral("modelEdit"));
    model_edit_->setPlaceholderText(tr("TorchScript file (packaging/export_model.py makes one)"));
    auto* model_browse = small_button(tr("Browse…"), tr("Choose the model file"), group);
    connect(model_browse, &QPushButton::clicked, this, &NewWorkspaceDialog::choose_model);
    connect(model_edit_, &QLineEdit::textChanged, this, [this] {
        model_timer_->start();
        update_state();
    });
    form->addRow(tr("&Model:"), with_buttons(model_edit_, {model_browse}, group));
    model_status_ = hint_label(group, QStringLiteral("modelStatus"));
    model_status_->setWordWrap(false);  // one short line; the full error is listed below
    form->addRow(QString(), model_status_);

    images_edit_ = new QLineEdit(group);
    images_edit_->setObjectName(QStringLiteral("imagesEdit"));
    images_edit_->setPlaceholderText(
        tr("folder with one sub-folder per class, a .tsv/.csv manifest, or fashion-mnist"));
    auto* folder = small_button(tr("Folder…"), tr("An image folder: DIR/<class>/<image>"), group);
    auto* manifest =
        small_button(tr("Manifest…"), tr("A .tsv or .csv manifest: path, label[, split]"), group);
    connect(folder, &QPushButton::clicked, this, &NewWorkspaceDialog::choose_image_folder);
    connect(manifest, &QPushButton::clicked, this, &NewWorkspaceDialog::choose_manifest);
    connect(images_edit_, &QLineEdit::textChanged, this, &NewWorkspaceDialog::update_state);
    form->addRow(tr("&Images:"), with_buttons(images_edit_, {folder, manifest}, group));

    classes_combo_ = new QComboBox(group);
    classes_combo_->setObjectName(QStringLiteral("classesCombo"));
    classes_combo_->setToolTip(
        tr("What class folder names and manifest labels refer to; a class set with WordNet ids "
           "gives the analysis its taxonomy"));
    classes_combo_->addItem(tr("Folder names / manifest labels"), QString());
    for (const std::string& name : core::builtin_class_list_names()) {
        classes_combo_->addItem(tr("%1 (built-in)").arg(QString::fromStdString(name)),
                                QString::fromStdString(name));
    }
    auto* class_file = small_button(tr("File…"), tr("A class list file (docs/taxonomy.md)"), group);
    connect(class_file, &QPushButton::clicked, this, &NewWorkspaceDialog::choose_class_file);
    connect(classes_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &NewWorkspaceDialog::update_state);
    auto* class_row = new QWidget(group);
    auto* class_layout = new QHBoxLayout(class_row);
    class_layout->setContentsMargins(0, 0, 0, 0);
    class_layout->addWidget(classes_combo_, 1);
    class_layout->addWidget(class_file);
    form->addRow(tr("&Class set:"), class_row);
    return group;
}

QWidget* NewWorkspaceDialog::build_extraction_group() {
    auto* group = new QGroupBox(tr("Extraction"), this);
    auto* form = new QFormLayout(group);

    layers_list_ = new QListWidget(group);
    layers_list_->setObjectName(QStringLiteral("layersList"));
    layers_list_->setToolTip(tr("The layers whose activations are stored (ticked ones)"));
    layers_list_->setMinimumHeight(90);
    connect(layers_list_, &QListWidget::itemChanged, this, [this] {
        refresh_import_rows();
        update_state();
    });
    auto* all = small_button(tr("All"), tr("Tick every layer"), group);
    auto* none = small_button(tr("None"), tr("Untick every layer"), group);
    const auto tick = [this](Qt::CheckState state) {
        for (int i = 0; i < layers_list_->count(); ++i) {
            layers_list_->item(i)->setCheckState(state);
        }
    };
    connect(all, &QPushButton::clicked, this, [tick] { tick(Qt::Checked); });
    connect(none, &QPushButton::clicked, this, [tick] { tick(Qt::Unchecked); });
    auto* layer_box = new QWidget(group);
    auto* layer_layout = new QGridLayout(layer_box);
    layer_layout->setContentsMargins(0, 0, 0, 0);
    layer_layout->addWidget(layers_list_, 0, 0, 3, 1);
    layer_layout->addWidget(all, 0, 1);
    layer_layout->addWidget(none, 1, 1);
    layer_layout->setRowStretch(2, 1);
    form->addRow(tr("&Layers:"), layer_box);

    token_combo_ = new QComboBox(group);
    token_combo_->setObjectName(QStringLiteral("tokenCombo"));
    token_combo_->addItem(tr("Auto (class token when the model has one, else patch mean)"),
                          QStringLiteral("auto"));
    token_combo_->addItem(tr("Class token (token 0)"), QStringLiteral("cls"));
    token_combo_->addItem(tr("Mean of the patch tokens"), QStringLiteral("mean"));
    form->addRow(tr("&Token:"), token_combo_);

    device_combo_ = new QComboBox(group);
    device_combo_->setObjectName(QStringLiteral("deviceCombo"));
    const core::RuntimeInfo info = core::runtime_info();
    const bool cuda = info.cuda_available && !info.cuda_devices.empty();
    device_combo_->addItem(
        cuda ? tr("Auto (CUDA: %1)").arg(QString::fromStdString(info.cuda_devices.front()))
             : tr("Auto (CPU)"),
        QStringLiteral("auto"));
    device_combo_->addItem(tr("CPU"), QStringLiteral("cpu"));
    if (cuda) {
        for (size_t i = 0; i < info.cuda_devices.size(); ++i) {
            device_combo_->addItem(
                tr("CUDA:%1 — %2").arg(i).arg(QString::fromStdString(info.cuda_devices[i])),
                QStringLiteral("cuda:%1").arg(i));
        }
    }
    device_combo_->setToolTip(cuda ? tr("The device the model runs on during extraction")
                              : info.cuda_built
                                  ? tr("This LibTorch has CUDA, but no device was found")
                                  : tr("This LibTorch is a CPU build: no CUDA devices"));
    form->addRow(tr("&Device:"), device_combo_);

    limit_spin_ = new QSpinBox(group);
    limit_spin_->setObjectName(QStringLiteral("limitSpin"));
    limit_spin_->setRange(0, std::numeric_limits<int>::max());
    limit_spin_->setSpecialValueText(tr("all"));
    limit_spin_->setToolTip(tr("Only the first N images of the dataset order"));
    form->addRow(tr("Image &limit:"), limit_spin_);
    return group;
}

QWidget* NewWorkspaceDialog::build_sae_group() {
    auto* group = new QGroupBox(tr("Sparse autoencoders (one per layer)"), this);
    auto* layout = new QVBoxLayout(group);
    train_radio_ = new QRadioButton(tr("&Train them here"), group);
    train_radio_->setObjectName(QStringLiteral("trainRadio"));
    train_radio_->setChecked(true);
    import_radio_ = new QRadioButton(tr("I&mport trained SAEs (SAELens, sparsify, "
                                        "dictionary_learning)"),
                                     group);
    import_radio_->setObjectName(QStringLiteral("importRadio"));
    auto* choice = new QButtonGroup(group);
    choice->addButton(train_radio_);
    choice->addButton(import_radio_);
    layout->addWidget(train_radio_);
    layout->addWidget(import_radio_);

    sae_pages_ = new QStackedWidget(group);
    auto* train_page = new QWidget(sae_pages_);
    auto* train_form = new QFormLayout(train_page);
    architecture_combo_ = new QComboBox(train_page);
    architecture_combo_->setObjectName(QStringLiteral("architectureCombo"));
    architecture_combo_->addItem(tr("ReLU + L1 penalty (the paper's)"), QStringLiteral("relu"));
    architecture_combo_->addItem(tr("TopK"), QStringLiteral("topk"));
    train_form->addRow(tr("Architecture:"), architecture_combo_);
    const core::SaeTrainingOptions defaults;
    l1_spin_ = new QDoubleSpinBox(train_page);
    l1_spin_->setObjectName(QStringLiteral("l1Spin"));
    l1_spin_->setRange(0.0, 1000.0);
    l1_spin_->setDecimals(3);
    l1_spin_->setValue(defaults.l1_coefficient);
    train_form->addRow(tr("L1 coefficient λ:"), l1_spin_);
    k_spin_ = new QSpinBox(train_page);
    k_spin_->setObjectName(QStringLiteral("kSpin"));
    k_spin_->setRange(1, 1 << 20);
    k_spin_->setValue(static_cast<int>(defaults.k));
    train_form->addRow(tr("Active features k:"), k_spin_);
    expansion_spin_ = new QSpinBox(train_page);
    expansion_spin_->setObjectName(QStringLiteral("expansionSpin"));
    expansion_spin_->setRange(1, 1024);
    expansion_spin_->setValue(static_cast<int>(defaults.expansion));
    expansion_spin_->setPrefix(QStringLiteral("× "));
    train_form->addRow(tr("Expansion (d_sae / d_in):"), expansion_spin_);
    steps_spin_ = new QSpinBox(train_page);
    steps_spin_->setObjectName(QStringLiteral("stepsSpin"));
    steps_spin_->setRange(1, 100000000);
    steps_spin_->setValue(static_cast<int>(defaults.steps));
    train_form->addRow(tr("Steps:"), steps_spin_);
    batch_spin_ = new QSpinBox(train_page);
    batch_spin_->setObjectName(QStringLiteral("batchSpin"));
    batch_spin_->setRange(1, 1 << 20);
    batch_spin_->setValue(static_cast<int>(defaults.batch));
    train_form->addRow(tr("Rows per step:"), batch_spin_);
    const auto architecture_changed = [this] {
        const bool topk = architecture_combo_->currentData().toString() == QLatin1String("topk");
        l1_spin_->setEnabled(!topk);
        k_spin_->setEnabled(topk);
        update_state();
    };
    connect(architecture_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            architecture_changed);
    architecture_changed();
    for (QSpinBox* spin : {k_spin_, expansion_spin_, steps_spin_, batch_spin_}) {
        connect(spin, qOverload<int>(&QSpinBox::valueChanged), this,
                &NewWorkspaceDialog::update_state);
    }
    sae_pages_->addWidget(train_page);

    auto* import_page = new QWidget(sae_pages_);
    auto* import_layout = new QVBoxLayout(import_page);
    import_layout->setContentsMargins(0, 0, 0, 0);
    import_table_ = new QTableWidget(0, 2, import_page);
    import_table_->setObjectName(QStringLiteral("importTable"));
    import_table_->setHorizontalHeaderLabels({tr("Layer"), tr("SAE folder")});
    import_table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    import_table_->horizontalHeader()->setStretchLastSection(true);
    import_table_->verticalHeader()->setVisible(false);
    import_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    connect(import_table_, &QTableWidget::itemChanged, this, &NewWorkspaceDialog::update_state);
    auto* choose =
        small_button(tr("Choose Folder…"), tr("The SAE folder of the selected layer"), import_page);
    auto* fill = small_button(
        tr("Fill From Folder…"),
        tr("A folder with one sub-folder per layer, named after it (e.g. another workspace's "
           "sae/)"),
        import_page);
    connect(choose, &QPushButton::clicked, this, &NewWorkspaceDialog::choose_import_folder);
    connect(fill, &QPushButton::clicked, this, &NewWorkspaceDialog::fill_imports_from_folder);
    auto* import_buttons = new QHBoxLayout;
    import_buttons->addWidget(choose);
    import_buttons->addWidget(fill);
    import_buttons->addStretch(1);
    import_layout->addWidget(import_table_);
    import_layout->addLayout(import_buttons);
    sae_pages_->addWidget(import_page);
    layout->addWidget(sae_pages_);
    connect(import_radio_, &QRadioButton::toggled, this, [this](bool on) {
        sae_pages_->setCurrentIndex(on ? 1 : 0);
        update_state();
    });

    layout->addStretch(1);
    return group;
}

QWidget* NewWorkspaceDialog::build_analysis_group() {
    auto* group = new QGroupBox(tr("Analysis"), this);
    auto* form = new QFormLayout(group);
    topk_images_spin_ = new QSpinBox(group);
    topk_images_spin_->setObjectName(QStringLiteral("topkImagesSpin"));
    topk_images_spin_->setRange(1, 4096);
    topk_images_spin_->setValue(static_cast<int>(core::AnalysisOptions().k));
    topk_images_spin_->setToolTip(tr("Top-k images kept per feature; their LCH is computed"));
    form->addRow(tr("Top images per feature:"), topk_images_spin_);
    probe_check_ = new QCheckBox(tr("Linear probe per layer (layer profile)"), group);
    probe_check_->setObjectName(QStringLiteral("probeCheck"));
    probe_check_->setChecked(true);
    form->addRow(QString(), probe_check_);
    return group;
}

QWidget* NewWorkspaceDialog::build_output_group() {
    auto* group = new QGroupBox(tr("Workspace folder"), this);
    auto* form = new QFormLayout(group);
    out_edit_ = new QLineEdit(group);
    out_edit_->setObjectName(QStringLiteral("outEdit"));
    out_edit_->setPlaceholderText(tr("a new or empty folder (or one of a cancelled run)"));
    auto* browse = small_button(tr("Browse…"), tr("Choose the workspace folder"), group);
    connect(browse, &QPushButton::clicked, this, &NewWorkspaceDialog::choose_output);
    connect(out_edit_, &QLineEdit::textChanged, this, &NewWorkspaceDialog::update_state);
    form->addRow(tr("&Folder:"), with_buttons(out_edit_, {browse}, group));
    out_status_ = hint_label(group, QStringLiteral("outStatus"));
    form->addRow(QString(), out_status_);
    return group;
}

// --- model layers --------------------------------------------------------------------------

void NewWorkspaceDialog::read_model() {
    const QString path = model_edit_->text().trimmed();
    if (path == read_model_path_ &&
        (reading_model_ || !model_layers_.empty() || !model_error_.isEmpty())) {
        return;  // already read (or being read)
    }
    ++model_generation_;
    read_model_path_ = path;
    model_error_.clear();
    if (!model_layers_.empty()) {
        // Keep the user's choice for a reloaded model with the same layer names.
        pending_layers_ = checked_layers();
    }
    model_layers_.clear();
    layers_list_->clear();
    reading_model_ = false;
    if (path.isEmpty() || !QFileInfo(path).isFile()) {
        update_state();
        return;
    }
    reading_model_ = true;
    model_status_->setText(tr("Reading the model's layers…"));
    update_state();
    const int generation = model_generation_;
    auto* watcher = new QFutureWatcher<LayersResult>(this);
    connect(watcher, &QFutureWatcher<LayersResult>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != model_generation_) {
            return;  // the path changed meanwhile
        }
        reading_model_ = false;
        const QFuture<LayersResult> future = watcher->future();
        if (future.resultCount() == 0) {
            model_error_ = tr("%1: the model could not be read").arg(read_model_path_);
        } else if (const LayersResult result = future.result(); !result) {
            model_error_ = QString::fromStdString(result.error().message);
        } else {
            fill_layers(*result);
        }
        update_state();
    });
    const std::string file = path.toStdString();
    watcher->setFuture(run_in_background<LayersResult>(
        [file](core::ProgressSink&, const core::CancelToken&) -> LayersResult {
            core::RunnerOptions options;
            options.device = "cpu";  // only the layer list is wanted
            auto runner = core::ModelRunner::load(file, options);
            if (!runner) {
                return core::fail(runner.error());
            }
            return runner->layers();
        }));
}

void NewWorkspaceDialog::fill_layers(const std::vector<core::LayerInfo>& layers) {
    model_layers_ = layers;
    const bool any_pending =
        std::any_of(layers.begin(), layers.end(), [this](const core::LayerInfo& layer) {
            return pending_layers_.contains(QString::fromStdString(layer.name));
        });
    if (!any_pending) {
        pending_layers_.clear();  // a different model: every layer
    }
    const QSignalBlocker blocker(layers_list_);
    layers_list_->clear();
    for (const core::LayerInfo& layer : layers) {
        auto* item = new QListWidgetItem(layer_label(layer), layers_list_);
        const QString name = QString::fromStdString(layer.name);
        item->setData(Qt::UserRole, name);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(pending_layers_.isEmpty() || pending_layers_.contains(name)
                                ? Qt::Checked
                                : Qt::Unchecked);
    }
    pending_layers_.clear();
    refresh_import_rows();
}

QStringList NewWorkspaceDialog::checked_layers() const {
    QStringList names;
    for (int i = 0; i < layers_list_->count(); ++i) {
        const QListWidgetItem* item = layers_list_->item(i);
        if (item->checkState() == Qt::Checked) {
            names << item->data(Qt::UserRole).toString();
        }
    }
    return names;
}

void NewWorkspaceDialog::refresh_import_rows() {
    QMap<QString, QString> folders;
    for (int row = 0; row < import_table_->rowCount(); ++row) {
        if (const QTableWidgetItem* path = import_table_->item(row, 1)) {
            folders[import_table_->item(row, 0)->text()] = path->text();
        }
    }
    const QSignalBlocker blocker(import_table_);
    const QStringList layers = checked_layers();
    import_table_->setRowCount(static_cast<int>(layers.size()));
    for (int row = 0; row < layers.size(); ++row) {
        auto* name = new QTableWidgetItem(layers[row]);
        name->setFlags(name->flags() & ~Qt::ItemIsEditable);
        import_table_->setItem(row, 0, name);
        import_table_->setItem(row, 1, new QTableWidgetItem(folders.value(layers[row])));
    }
}

// --- validation ----------------------------------------------------------------------------

QStringList NewWorkspaceDialog::problems() const {
    QStringList out;
    const QString model = model_edit_->text().trimmed();
    if (model.isEmpty()) {
        out << tr("Choose a model file.");
    } else if (!QFileInfo::exists(model)) {
        out << tr("Model file %1 does not exist.").arg(model);
    } else if (QFileInfo(model).isDir()) {
        out << tr("%1 is a folder, not a model file.").arg(model);
    } else if (!model_error_.isEmpty()) {
        out << tr("The model cannot be used: %1").arg(model_error_);
    } else if (!reading_model_ && model_layers_.empty()) {
        out << tr("%1 has no layers to extract.").arg(model);
    }

    const QString images = images_edit_->text().trimmed();
    if (images.isEmpty()) {
        out << tr("Choose an image folder or a manifest.");
    } else if (!is_fashion_mnist_spec(images) && !QFileInfo::exists(images)) {
        out << tr("Images: %1 does not exist.").arg(images);
    }
    const QString classes = classes_combo_->currentData().toString();
    const std::vector<std::string> builtins = core::builtin_class_list_names();
    const bool builtin = classes.isEmpty() || std::find(builtins.begin(), builtins.end(),
                                                        classes.toStdString()) != builtins.end();
    if (!builtin && !QFileInfo(classes).isFile()) {
        out << tr("Class list file %1 does not exist.").arg(classes);
    }

    const QStringList layers = checked_layers();
    if (!reading_model_ && !model_layers_.empty() && layers.isEmpty()) {
        out << tr("Tick at least one layer.");
    }

    if (train_radio_->isChecked()) {
        core::SaeTrainingOptions options = settings().training;
        for (const core::LayerInfo& layer : model_layers_) {
            if (!layers.contains(QString::fromStdString(layer.name))) {
                continue;
            }
            if (auto ok = core::validate(options, layer.dim); !ok) {
                out << tr("SAE training for layer %1: %2")
                           .arg(QString::fromStdString(layer.name),
                                QString::fromStdString(ok.error().message));
                break;
            }
        }
    } else {
        for (int row = 0; row < import_table_->rowCount(); ++row) {
            const QString layer = import_table_->item(row, 0)->text();
            const QTableWidgetItem* item = import_table_->item(row, 1);
            const QString path = item != nullptr ? item->text().trimmed() : QString();
            if (path.isEmpty()) {
                out << tr("Choose the SAE folder of layer %1.").arg(layer);
            } else if (!QFileInfo::exists(path)) {
                out << tr("SAE folder %1 (layer %2) does not exist.").arg(path, layer);
            }
        }
    }

    const QString folder = out_edit_->text().trimmed();
    if (folder.isEmpty()) {
        out << tr("Choose the workspace folder.");
    } else {
        const OutputFolderState state = output_folder_state(folder.toStdString());
        if (state == OutputFolderState::NotAFolder) {
            out << tr("%1 is a file; the workspace needs a new or empty folder.").arg(folder);
        } else if (state == OutputFolderState::NotEmpty) {
            out << tr("%1 is not empty and holds no taxoscope run: choose a new or empty folder "
                      "(nothing is ever overwritten).")
                       .arg(folder);
        }
    }
    return out;
}

void NewWorkspaceDialog::update_state() {
    if (start_button_ == nullptr) {
        return;  // still building the form
    }
    if (reading_model_) {
        model_status_->setText(tr("Reading the model's layers…"));
    } else if (!model_error_.isEmpty()) {
        model_status_->setText(tr("Cannot read the model (see below)."));
    } else if (!model_layers_.empty()) {
        model_status_->setText(tr("%n layer(s) found", "", static_cast<int>(model_layers_.size())));
    } else {
        model_status_->clear();
    }

    const QString folder = out_edit_->text().trimmed();
    bool resume = false;
    if (folder.isEmpty()) {
        out_status_->clear();
    } else {
        switch (output_folder_state(folder.toStdString())) {
            case OutputFolderState::New:
                out_status_->setText(tr("A new folder: it is created when the run starts."));
                break;
            case OutputFolderState::Empty:
                out_status_->setText(tr("An empty folder: the workspace goes into it."));
                break;
            case OutputFolderState::InterruptedExtraction:
                out_status_->setText(
                    tr("Holds an interrupted extraction: it continues where it stopped (with "
                       "the same model, images, layers and token)."));
                resume = true;
                break;
            case OutputFolderState::Workspace:
                out_status_->setText(
                    tr("Holds a workspace: finished stages are kept, the rest "
                       "(SAEs, analysis) are run."));
                resume = true;
                break;
            case OutputFolderState::NotEmpty:
            case OutputFolderState::NotAFolder:
                out_status_->clear();
                break;
        }
    }
    start_button_->setText(resume ? tr("Resume") : tr("Create Workspace"));

    const QStringList found = problems();
    if (found.isEmpty()) {
        problems_label_->clear();
        problems_label_->setVisible(false);
    } else {
        QStringList escaped;
        for (const QString& problem : found) {
            escaped << problem.toHtmlEscaped();
        }
        problems_label_->setText(QStringLiteral("• ") + escaped.join(QStringLiteral("<br>• ")));
        problems_label_->setVisible(true);
    }
    start_button_->setEnabled(found.isEmpty() && !reading_model_ && !is_running());
}

PipelineSettings NewWorkspaceDialog::settings() const {
    PipelineSettings s;
    s.model = model_edit_->text().trimmed().toStdString();
    s.images = images_edit_->text().trimmed().toStdString();
    s.classes = classes_combo_->currentData().toString().toStdString();
    s.out = out_edit_->text().trimmed().toStdString();
    for (const QString& layer : checked_layers()) {
        s.layers.push_back(layer.toStdString());
    }
    if (auto token =
            core::parse_token_choice(token_combo_->currentData().toString().toStdString())) {
        s.token = *token;
    }
    s.device = device_combo_->currentData().toString().toStdString();
    s.limit = limit_spin_->value() > 0 ? limit_spin_->value() : -1;

    s.sae_source = import_radio_->isChecked() ? SaeSource::Import : SaeSource::Train;
    const bool topk = architecture_combo_->currentData().toString() == QLatin1String("topk");
    s.training.architecture = topk ? core::Activation::TopK : core::Activation::ReLU;
    s.training.l1_coefficient = l1_spin_->value();
    s.training.k = k_spin_->value();
    s.training.expansion = expansion_spin_->value();
    s.training.steps = steps_spin_->value();
    s.training.batch = batch_spin_->value();
    for (int row = 0; row < import_table_->rowCount(); ++row) {
        const QTableWidgetItem* path = import_table_->item(row, 1);
        if (path != nullptr && !path->text().trimmed().isEmpty()) {
            s.imports[import_table_->item(row, 0)->text().toStdString()] =
                path->text().trimmed().toStdString();
        }
    }
    s.analysis.k = topk_images_spin_->value();
    s.analysis.run_probe = probe_check_->isChecked();
    s.analysis.probe.seed = s.analysis.seed;
    return s;
}

// --- running -------------------------------------------------------------------------------

bool NewWorkspaceDialog::is_running() const {
    return runner_->is_running();
}

QString NewWorkspaceDialog::status_text() const {
    return status_label_->text();
}

void NewWorkspaceDialog::start() {
    update_state();
    if (!start_button_->isEnabled()) {
        return;
    }
    save_settings();
    status_label_->setVisible(false);
    status_label_->clear();
    set_form_enabled(false);
    append_log(tr("Workspace %1").arg(out_edit_->text().trimmed()));
    runner_->start(settings());
}

void NewWorkspaceDialog::set_form_enabled(bool enabled) {
    form_->setEnabled(enabled);
    start_button_->setEnabled(enabled);
}

void NewWorkspaceDialog::run_finished(bool ok, bool cancelled, const QString& message) {
    set_form_enabled(true);
    if (ok) {
        append_log(tr("Done."));
        QSettings settings;
        settings.remove(QStringLiteral("%1/out").arg(kSettingsGroup));  // a finished folder
        const QString folder = QFileInfo(message).absoluteFilePath();
        status_label_->setText(tr("Workspace %1 is ready.").arg(folder));
        status_label_->setStyleSheet(QString());
        status_label_->setVisible(true);
        Q_EMIT workspace_created(folder);
        accept();
        return;
    }
    append_log(message);
    status_label_->setText(message);
    status_label_->setStyleSheet(cancelled ? QString() : QStringLiteral("color: #a33;"));
    status_label_->setVisible(true);
    update_state();  // the folder may now hold a resumable run
}

void NewWorkspaceDialog::append_log(const QString& line) {
    log_->appendPlainText(line);
}

void NewWorkspaceDialog::reject() {
    if (is_running()) {
        runner_->cancel();  // run_finished() reports what was kept
        return;
    }
    QDialog::reject();
}

// --- pickers -------------------------------------------------------------------------------

void NewWorkspaceDialog::choose_model() {
    const QString file =
        QFileDialog::getOpenFileName(this, tr("Model"), model_edit_->text(),
                                     tr("TorchScript models (*.pt *.pth *.ts);;All files (*)"));
    if (!file.isEmpty()) {
        model_edit_->setText(file);
    }
}

void NewWorkspaceDialog::choose_image_folder() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Image Folder"), images_edit_->text());
    if (!folder.isEmpty()) {
        images_edit_->setText(folder);
    }
}

void NewWorkspaceDialog::choose_manifest() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Manifest"), images_edit_->text(),
                                                      tr("Manifests (*.tsv *.csv);;All files (*)"));
    if (!file.isEmpty()) {
        images_edit_->setText(file);
    }
}

void NewWorkspaceDialog::choose_class_file() {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Class List"), QString(), tr("Class lists (*.tsv *.txt);;All files (*)"));
    if (file.isEmpty()) {
        return;
    }
    int index = classes_combo_->findData(file);
    if (index < 0) {
        classes_combo_->addItem(QFileInfo(file).fileName(), file);
        index = classes_combo_->count() - 1;
        classes_combo_->setItemData(index, file, Qt::ToolTipRole);
    }
    classes_combo_->setCurrentIndex(index);
}

void NewWorkspaceDialog::choose_output() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Workspace Folder"), out_edit_->text());
    if (!folder.isEmpty()) {
        out_edit_->setText(folder);
    }
}

void NewWorkspaceDialog::choose_import_folder() {
    const int row = import_table_->currentRow();
    if (row < 0) {
        return;
    }
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("SAE Folder of %1").arg(import_table_->item(row, 0)->text()),
        import_table_->item(row, 1) != nullptr ? import_table_->item(row, 1)->text() : QString());
    if (!folder.isEmpty()) {
        import_table_->setItem(row, 1, new QTableWidgetItem(folder));
    }
}

void NewWorkspaceDialog::fill_imports_from_folder() {
    const QString parent = QFileDialog::getExistingDirectory(this, tr("Folder of SAE Folders"));
    if (parent.isEmpty()) {
        return;
    }
    for (int row = 0; row < import_table_->rowCount(); ++row) {
        const std::string layer = import_table_->item(row, 0)->text().toStdString();
        // A layer's folder by its name, or by its file stem as sae/ of a workspace has it.
        for (const std::string& name : {layer, core::WorkspacePaths::layer_file_stem(layer)}) {
            const QString candidate = QDir(parent).filePath(QString::fromStdString(name));
            if (QFileInfo(candidate).isDir()) {
                import_table_->setItem(row, 1, new QTableWidgetItem(candidate));
                break;
            }
        }
    }
}

// --- remembered settings -------------------------------------------------------------------

void NewWorkspaceDialog::restore_settings() {
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    const QString classes = settings.value(QStringLiteral("classes")).toString();
    if (const int index = classes_combo_->findData(classes); index >= 0) {
        classes_combo_->setCurrentIndex(index);
    } else if (!classes.isEmpty()) {
        classes_combo_->addItem(QFileInfo(classes).fileName(), classes);
        classes_combo_->setCurrentIndex(classes_combo_->count() - 1);
    }
    images_edit_->setText(settings.value(QStringLiteral("images")).toString());
    out_edit_->setText(settings.value(QStringLiteral("out")).toString());
    pending_layers_ = settings.value(QStringLiteral("layers")).toStringList();
    for (QComboBox* combo : {token_combo_, device_combo_, architecture_combo_}) {
        const QString value = settings.value(combo->objectName()).toString();
        if (const int index = combo->findData(value); index >= 0) {
            combo->setCurrentIndex(index);
        }
    }
    for (QSpinBox* spin :
         {k_spin_, expansion_spin_, steps_spin_, batch_spin_, limit_spin_, topk_images_spin_}) {
        spin->setValue(settings.value(spin->objectName(), spin->value()).toInt());
    }
    l1_spin_->setValue(settings.value(l1_spin_->objectName(), l1_spin_->value()).toDouble());
    probe_check_->setChecked(settings.value(probe_check_->objectName(), true).toBool());
    import_radio_->setChecked(settings.value(QStringLiteral("import"), false).toBool());
    settings.endGroup();
    // Last, so that the layer list comes back with the remembered choice.
    const QString model = settings.value(QStringLiteral("%1/model").arg(kSettingsGroup)).toString();
    if (!model.isEmpty()) {
        model_edit_->setText(model);
        read_model();
    }
}

void NewWorkspaceDialog::save_settings() const {
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    settings.setValue(QStringLiteral("model"), model_edit_->text().trimmed());
    settings.setValue(QStringLiteral("images"), images_edit_->text().trimmed());
    settings.setValue(QStringLiteral("classes"), classes_combo_->currentData().toString());
    settings.setValue(QStringLiteral("out"), out_edit_->text().trimmed());
    settings.setValue(QStringLiteral("layers"), checked_layers());
    for (const QComboBox* combo : {token_combo_, device_combo_, architecture_combo_}) {
        settings.setValue(combo->objectName(), combo->currentData());
    }
    for (const QSpinBox* spin :
         {k_spin_, expansion_spin_, steps_spin_, batch_spin_, limit_spin_, topk_images_spin_}) {
        settings.setValue(spin->objectName(), spin->value());
    }
    settings.setValue(l1_spin_->objectName(), l1_spin_->value());
    settings.setValue(probe_check_->objectName(), probe_check_->isChecked());
    settings.setValue(QStringLiteral("import"), import_radio_->isChecked());
    settings.endGroup();
}

}  // namespace taxoscope::ui
