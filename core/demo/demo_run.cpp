#include "core/demo/demo_run.h"

#include <chrono>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/analysis/analysis_file.h"
#include "core/demo/demo_analysis_stage.h"
#include "core/demo/demo_dataset.h"
#include "core/demo/demo_sae_stage.h"
#include "core/model/extraction.h"
#include "core/store/atomic_file.h"
#include "core/store/workspace.h"
#include "core/util/threads.h"

namespace taxoscope::core {
namespace {

namespace fs = std::filesystem;

constexpr int kRecordFormat = 1;
constexpr const char* kRecordKind = "taxoscope-demo";
constexpr const char* kModelFile = "model/fashion_vit.pt";
constexpr const char* kTrainingFile = "model/training.json";
// Extraction wants an empty folder, and the demo folder already holds the model; it runs here
// and its files move up into the demo folder once it is complete (workspace.json last).
constexpr const char* kStagingDir = "extracting";

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool path_exists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

std::string yes_no(bool value) {
    return value ? "yes" : "no";
}

struct Run {
    const DemoOptions& options;
    DemoPlan plan;
    ProgressSink& progress;
    const CancelToken& cancel;
    nlohmann::json record;  // demo.json
    DemoResult result;

    fs::path path(const std::string& relative) const { return options.out / relative; }

    std::string saved_record;  // what demo.json holds now

    // Writes demo.json when the record changed, so a run with nothing to do rewrites no file.
    Result<void> save_record() {
        const std::string text = record.dump(2) + "\n";
        if (text == saved_record) {
            return {};
        }
        if (auto written = write_file_atomic(path(kDemoRecordFile), text); !written) {
            return fail(written.error());
        }
        saved_record = text;
        return {};
    }

    void stage_ran(const std::string& name, double seconds, nlohmann::json details = {}) {
        details["seconds"] = seconds;
        record["stages"][name] = details;
        result.stages.push_back({name, true, seconds, {}});
    }

    void stage_skipped(const std::string& name, const std::string& why) {
        progress.note(name + ": " + why);
        result.stages.push_back({name, false, 0.0, why});
    }
};

// Refuses anything that is not absent, empty, or a demo made with the same settings.
Result<nlohmann::json> claim_folder(const DemoOptions& options) {
    const auto& out = options.out;
    std::error_code ec;
    nlohmann::json settings = {{"format", kRecordFormat},
                               {"kind", kRecordKind},
                               {"seed", options.seed},
                               {"quick", options.quick}};
    if (path_exists(out)) {
        if (!fs::is_directory(out, ec)) {
            return fail(ErrorCode::InvalidArgument,
                        out.string() + " exists and is not a folder; nothing was changed");
        }
        const auto record_file = out / kDemoRecordFile;
        if (path_exists(record_file)) {
            auto record = read_json_file(record_file);
            if (!record) {
                return fail(record.error());
            }
            if (!record->is_object() || record->value("kind", "") != kRecordKind) {
                return fail(ErrorCode::InvalidArgument,
                            record_file.string() +
                                " is not a taxoscope demo record; nothing was "
                                "changed");
            }
            if (record->value("seed", uint64_t{0}) != options.seed ||
                record->value("quick", false) != options.quick) {
                return fail(ErrorCode::InvalidArgument,
                            out.string() + " holds a demo made with seed " +
                                std::to_string(record->value("seed", uint64_t{0})) +
                                " (quick: " + yes_no(record->value("quick", false)) +
                                "); nothing was changed. Rerun with those settings or choose "
                                "another --out");
            }
            return *record;
        }
        if (fs::directory_iterator(out, ec) != fs::directory_iterator()) {
            return fail(ErrorCode::InvalidArgument,
                        out.string() + " is not empty and holds no taxoscope demo (" +
                            kDemoRecordFile + "); nothing was changed. Choose a new folder");
        }
    }
    fs::create_directories(out, ec);
    if (ec) {
        return fail(ErrorCode::Io, "cannot create " + out.string() + ": " + ec.message());
    }
    settings["created"] = utc_timestamp_now();
    settings["stages"] = nlohmann::json::object();
    if (auto written = write_file_atomic(out / kDemoRecordFile, settings.dump(2) + "\n");
        !written) {
        return fail(written.error());
    }
    return settings;
}

Result<void> model_stage(Run& run, const FashionMnistSplit& train, const FashionMnistSplit& test) {
    const auto model_file = run.path(kModelFile);
    const auto training_file = run.path(kTrainingFile);
    run.result.model_file = model_file;
    if (path_exists(model_file) && path_exists(training_file)) {
        auto training = read_json_file(training_file);
        if (!training) {
            return fail(training.error());
        }
        run.result.model_test_acc = training->value("test_accuracy", 0.0);
        run.stage_skipped("model", "already trained (" + model_file.string() + ")");
        return {};
    }
    // An interrupted training leaves nothing worth keeping: start over.
    std::error_code ec;
    fs::remove(model_file, ec);
    const auto start = std::chrono::steady_clock::now();
    auto report =
        train_demo_vit(train, test, run.plan.training, model_file, run.progress, run.cancel);
    if (!report) {
        return fail(report.error());
    }
    const auto& shape = run.plan.training.shape;
    nlohmann::json training = {{"test_accuracy", report->test_accuracy},
                               {"train_images", report->train_images},
                               {"test_images", report->test_images},
                               {"parameters", report->parameters},
                               {"steps", report->steps},
                               {"epochs", run.plan.training.epochs},
                               {"batch", run.plan.training.batch},
                               {"max_lr", run.plan.training.max_lr},
                               {"weight_decay", run.plan.training.weight_decay},
                               {"seed", run.plan.training.seed},
                               {"threads", current_thread_count()},
                               {"epoch_seconds", report->epoch_seconds},
                               {"epoch_loss", report->epoch_loss},
                               {"eval_seconds", report->eval_seconds},
                               {"shape",
                                {{"image", shape.image},
                                 {"patch", shape.patch},
                                 {"dim", shape.dim},
                                 {"depth", shape.depth},
                                 {"heads", shape.heads},
                                 {"mlp", shape.mlp}}}};
    if (auto written = write_file_atomic(training_file, training.dump(2) + "\n"); !written) {
        return fail(written.error());
    }
    run.result.model_test_acc = report->test_accuracy;
    run.stage_ran("model", seconds_since(start), training);
    return {};
}

// Moves every entry of the staging folder up, workspace.json last, so that workspace.json in the
// demo folder means the extraction's files are all there.
Result<void> move_staged_workspace(const fs::path& staging, const fs::path& out) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(staging, ec)) {
        if (entry.path().filename() != "workspace.json") {
            entries.push_back(entry.path());
        }
    }
    entries.push_back(staging / "workspace.json");
    for (const auto& entry : entries) {
        if (path_exists(entry)) {
            if (auto moved = rename_durably(entry, out / entry.filename()); !moved) {
                return fail(moved.error());
            }
        }
    }
    fs::remove(staging, ec);
    return {};
}

Result<void> extract_stage(Run& run, std::shared_ptr<const FashionMnistSplit> train,
                           std::shared_ptr<const FashionMnistSplit> test) {
    const WorkspacePaths paths(run.options.out);
    if (path_exists(paths.manifest())) {
        run.stage_skipped("extract", "activations already extracted");
        return {};
    }
    const auto staging = run.path(kStagingDir);
    const auto start = std::chrono::steady_clock::now();
    int64_t images = 0;
    // Killed before extraction wrote its progress record: the folder holds nothing to resume.
    if (path_exists(staging) && !path_exists(staging / "workspace.json") &&
        !path_exists(WorkspacePaths(staging).extract_progress())) {
        std::error_code ec;
        fs::remove_all(staging, ec);
    }
    if (!path_exists(staging / "workspace.json")) {
        auto dataset = make_demo_dataset(std::move(train), run.plan.extract_train_images,
                                         std::move(test), run.plan.extract_test_images);
        ExtractOptions extract;
        extract.model = fs::absolute(run.result.model_file);
        extract.out = staging;
        extract.layers = demo_vit_block_layers(run.plan.training.shape);
        extract.token = TokenChoice::Cls;
        extract.runner.device = "cpu";
        extract.batch = run.plan.extract_batch;
        extract.dtype = DType::F32;
        auto summary = extract_activations(*dataset, extract, run.progress, run.cancel);
        if (!summary) {
            return fail(summary.error());
        }
        images = summary->images;
    }
    if (auto moved = move_staged_workspace(staging, run.options.out); !moved) {
        return fail(moved.error());
    }
    run.stage_ran("extract", seconds_since(start), {{"images", images}});
    return {};
}

Result<void> sae_stage(Run& run) {
    auto workspace = Workspace::open(run.options.out);
    if (!workspace) {
        return fail(workspace.error());
    }
    for (const auto& layer : demo_vit_block_layers(run.plan.training.shape)) {
        auto outcome =
            run_demo_sae_stage(*workspace, layer, run.plan.sae, run.progress, run.cancel);
        if (!outcome) {
            return fail(outcome.error());
        }
        if (!outcome->ran) {
            run.stage_skipped(outcome->stage, outcome->note);
            continue;
        }
        run.stage_ran(outcome->stage, outcome->seconds, outcome->details);
        if (auto saved = run.save_record(); !saved) {
            return fail(saved.error());
        }
    }
    return {};
}

Result<void> analysis_stage(Run& run) {
    // No shortcut on an existing summary.json: it grows layer by layer, and analysis itself skips
    // the layers that are already up to date.
    auto workspace = Workspace::open(run.options.out);
    if (!workspace) {
        return fail(workspace.error());
    }
    const auto start = std::chrono::steady_clock::now();
    auto analysed = run_analysis_stage(*workspace, run.options.seed, run.progress, run.cancel);
    if (!analysed) {
        return fail(analysed.error());
    }
    run.result.analysis_done = true;
    if (*analysed) {
        run.stage_ran("analysis", seconds_since(start));
    } else {
        run.stage_skipped("analysis", "every layer already analysed");
    }
    return {};
}

// workspace.json's extra "demo" section mirrors demo.json; unchanged records are not rewritten,
// so a rerun with nothing to do changes no file.
Result<void> record_stage(Run& run) {
    run.record["model_test_acc"] = run.result.model_test_acc;
    run.record["model_file"] = kModelFile;
    run.record["analysis"] = run.result.analysis_done;
    if (auto saved = run.save_record(); !saved) {
        return fail(saved.error());
    }
    // The explorer's profile and scripts read the model's accuracy next to the layers' figures.
    if (run.result.analysis_done) {
        const auto summary = WorkspacePaths(run.options.out).analysis_summary();
        if (auto set =
                set_analysis_summary_entry(summary, "model_test_acc", run.result.model_test_acc);
            !set) {
            return fail(set.error());
        }
    }
    auto workspace = Workspace::open(run.options.out);
    if (!workspace) {
        return fail(workspace.error());
    }
    auto manifest = workspace->manifest();
    if (manifest.extra.value("demo", nlohmann::json()) != run.record) {
        manifest.extra["demo"] = run.record;
        if (auto saved = workspace->save_manifest(manifest); !saved) {
            return fail(saved.error());
        }
    }
    return {};
}

}  // namespace

DemoPlan make_demo_plan(bool quick, uint64_t seed) {
    DemoPlan plan;
    plan.training.seed = seed;
    plan.sae.seed = seed;
    plan.extract_batch = 256;
    if (quick) {
        plan.training.train_images = 1024;
        plan.training.test_images = 500;
        plan.training.epochs = 2;
        plan.extract_train_images = 300;
        plan.extract_test_images = 200;
        plan.sae.steps = 150;
        plan.sae.batch = 128;
        plan.sae.log_every = 50;
        plan.sae.checkpoint_every = 50;
    } else {
        plan.training.train_images = -1;
        plan.training.test_images = -1;
        plan.training.epochs = 3;
        plan.extract_train_images = 60000;
        plan.extract_test_images = 10000;
        plan.sae.steps = 3000;
        plan.sae.batch = 1024;
        plan.sae.log_every = 100;
        plan.sae.checkpoint_every = 500;
    }
    return plan;
}

Result<DemoResult> run_demo(const DemoOptions& options, ProgressSink& progress,
                            const CancelToken& cancel) {
    // The data first: a missing package must not leave a half-made folder behind.
    auto train = load_fashion_mnist_split("train", options.fashion_mnist_dir);
    if (!train) {
        return fail(train.error().with_context("the demo needs Fashion-MNIST"));
    }
    auto test = load_fashion_mnist_split("test", options.fashion_mnist_dir);
    if (!test) {
        return fail(test.error().with_context("the demo needs Fashion-MNIST"));
    }
    auto record = claim_folder(options);
    if (!record) {
        return fail(record.error());
    }
    Run run{options,
            make_demo_plan(options.quick, options.seed),
            progress,
            cancel,
            std::move(*record),
            {},
            {}};
    run.saved_record = run.record.dump(2) + "\n";
    run.result.workspace = options.out;
    // Each stage's record is kept as soon as it ends, so that a resumed run still reports it.
    auto keep = [&](Result<void> stage) -> Result<void> {
        if (!stage) {
            return stage;
        }
        return run.save_record();
    };
    if (auto r = keep(model_stage(run, **train, **test)); !r) {
        return fail(r.error());
    }
    if (auto r = keep(extract_stage(run, *train, *test)); !r) {
        return fail(r.error());
    }
    if (auto r = keep(sae_stage(run)); !r) {
        return fail(r.error());
    }
    if (auto r = keep(analysis_stage(run)); !r) {
        return fail(r.error());
    }
    if (auto r = record_stage(run); !r) {
        return fail(r.error());
    }
    return run.result;
}

}  // namespace taxoscope::core
