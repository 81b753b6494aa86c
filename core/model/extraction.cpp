#include "core/model/extraction.h"

#include <chrono>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/data/batch_loader.h"
#include "core/store/atomic_file.h"
#include "core/store/npy_file.h"
#include "core/store/sha256.h"
#include "core/store/workspace.h"
#include "core/util/threads.h"
#include "core/util/version.h"

namespace taxoscope::core {
namespace {

namespace fs = std::filesystem;

constexpr int kProgressVersion = 1;
const char* const kReportHeader = "index\tpath\treason\n";

fs::path partial(const fs::path& final_path) {
    return final_path.parent_path() / (final_path.filename().string() + ".partial");
}

std::string one_line(std::string text) {
    for (char& c : text) {
        if (c == '\t' || c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return text;
}

// Everything that decides the bytes of the output; a resume must match it exactly.
nlohmann::json fingerprint(const std::string& model_sha256, const Dataset& dataset, int64_t count,
                           const std::vector<LayerInfo>& layers, const std::string& token,
                           DType dtype, int64_t batch, const ModelMetadata& metadata) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& l : layers) {
        names.push_back(l.name);
    }
    return {{"model_sha256", model_sha256},
            {"dataset_kind", dataset.kind},
            {"dataset_source", dataset.source},
            {"images", count},
            {"layers", names},
            {"token", token},
            {"dtype", std::string(dtype_name(dtype))},
            {"batch", batch},
            {"metadata", nlohmann::json::parse(model_metadata_to_json(metadata))}};
}

// The run's open files and counters; checkpoint() makes them durable in one step.
struct RunState {
    WorkspacePaths paths;
    nlohmann::json print;
    std::vector<NpyRowWriter> writers;
    FileHandle images;
    FileHandle report;
    int64_t next_item = 0;
    int64_t rows = 0;
    int64_t skipped = 0;
    uint64_t images_bytes = 0;
    uint64_t report_bytes = 0;
    std::string created;

    explicit RunState(fs::path root) : paths(std::move(root)) {}

    Result<void> write_record(const std::string& state) {
        const nlohmann::json record = {{"version", kProgressVersion},
                                       {"state", state},
                                       {"settings", print},
                                       {"next_item", next_item},
                                       {"rows", rows},
                                       {"skipped", skipped},
                                       {"images_bytes", images_bytes},
                                       {"report_bytes", report_bytes},
                                       {"created", created}};
        return write_file_atomic(paths.extract_progress(), record.dump(2) + "\n");
    }

    Result<void> checkpoint() {
        for (auto& writer : writers) {
            if (auto r = writer.sync(); !r) {
                return r;
            }
        }
        for (FileHandle* file : {&images, &report}) {
            // Closed when a finalizing run already renamed it.
            if (file->is_open()) {
                if (auto r = file->sync(); !r) {
                    return r;
                }
            }
        }
        return write_record("running");
    }
};

Result<void> append_text(FileHandle& file, uint64_t& bytes, const std::string& text) {
    if (auto r = file.write(text.data(), text.size()); !r) {
        return r;
    }
    bytes += text.size();
    return {};
}

Result<void> start_fresh(RunState& run, const std::vector<LayerInfo>& layers, DType dtype) {
    std::error_code ec;
    fs::create_directories(run.paths.activations_dir(), ec);
    if (ec) {
        return fail(ErrorCode::Io, run.paths.activations_dir().string() +
                                       ": cannot create the folder: " + ec.message());
    }
    for (const auto& layer : layers) {
        auto writer = NpyRowWriter::create(run.paths.activations(layer.name), dtype, layer.dim);
        if (!writer) {
            return fail(writer.error());
        }
        run.writers.push_back(std::move(*writer));
    }
    auto images = FileHandle::create_new(partial(run.paths.images()));
    if (!images) {
        return fail(images.error());
    }
    run.images = std::move(*images);
    auto report = FileHandle::create_new(partial(run.paths.extract_report()));
    if (!report) {
        return fail(report.error());
    }
    run.report = std::move(*report);
    if (auto r = append_text(run.images, run.images_bytes, image_table_header()); !r) {
        return r;
    }
    if (auto r = append_text(run.report, run.report_bytes, kReportHeader); !r) {
        return r;
    }
    run.created = utc_timestamp_now();
    if (auto r = run.checkpoint(); !r) {
        return r;
    }
    return sync_directory(run.paths.root());
}

Result<nlohmann::json> read_record(const WorkspacePaths& paths) {
    auto text = read_text_file(paths.extract_progress());
    if (!text) {
        return fail(text.error());
    }
    try {
        auto record = nlohmann::json::parse(*text);
        if (record.at("version").get<int>() != kProgressVersion) {
            return fail(ErrorCode::Unsupported,
                        paths.extract_progress().string() + ": unknown progress record version");
        }
        return record;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Parse,
                    paths.extract_progress().string() + ": damaged progress record: " + e.what());
    }
}

Result<bool> resume_run(RunState& run, const nlohmann::json& record,
                        const std::vector<LayerInfo>& layers, DType dtype) {
    run.next_item = record.at("next_item").get<int64_t>();
    run.rows = record.at("rows").get<int64_t>();
    run.skipped = record.at("skipped").get<int64_t>();
    run.images_bytes = record.at("images_bytes").get<uint64_t>();
    run.report_bytes = record.at("report_bytes").get<uint64_t>();
    run.created = record.value("created", utc_timestamp_now());
    const bool finalizing = record.at("state").get<std::string>() == "finalizing";
    for (const auto& layer : layers) {
        const fs::path final_path = run.paths.activations(layer.name);
        std::error_code ec;
        if (finalizing && !fs::exists(NpyRowWriter::partial_path(final_path), ec) &&
            fs::exists(final_path, ec)) {
            continue;  // renamed before the interruption
        }
        auto writer = NpyRowWriter::resume(final_path, dtype, layer.dim, run.rows);
        if (!writer) {
            return fail(writer.error());
        }
        run.writers.push_back(std::move(*writer));
    }
    for (auto [final_path, bytes, handle] :
         {std::tuple{run.paths.images(), run.images_bytes, &run.images},
          std::tuple{run.paths.extract_report(), run.report_bytes, &run.report}}) {
        std::error_code ec;
        if (finalizing && !fs::exists(partial(final_path), ec) && fs::exists(final_path, ec)) {
            continue;
        }
        auto file = FileHandle::reopen_truncated(partial(final_path), bytes);
        if (!file) {
            return fail(file.error());
        }
        *handle = std::move(*file);
    }
    return finalizing;
}

Result<void> finalize(RunState& run, WorkspaceManifest manifest) {
    if (auto r = run.checkpoint(); !r) {
        return r;
    }
    if (auto r = run.write_record("finalizing"); !r) {
        return r;
    }
    for (auto& writer : run.writers) {
        if (auto r = writer.finish(); !r) {
            return r;
        }
    }
    for (auto [file, final_path] : {std::pair{&run.images, run.paths.images()},
                                    std::pair{&run.report, run.paths.extract_report()}}) {
        if (!file->is_open()) {
            continue;
        }
        if (auto r = file->sync(); !r) {
            return r;
        }
        if (auto r = file->close(); !r) {
            return r;
        }
        if (auto r = rename_durably(partial(final_path), final_path); !r) {
            return r;
        }
    }
    if (auto r = write_manifest(run.paths.manifest(), manifest); !r) {
        return r;
    }
    std::error_code ec;
    fs::remove(run.paths.extract_progress(), ec);
    return sync_directory(run.paths.root());
}

// Test hook: simulates kill -9 after N batches have been written (see tests/app/test_extract).
int64_t crash_after_batches() {
    const char* value = std::getenv("TAXOSCOPE_TEST_CRASH_AFTER_BATCHES");
    return value != nullptr ? std::atoll(value) : -1;
}

}  // namespace

int64_t default_batch_size(bool cuda) {
    // On CPU larger batches run slower per image (cache pressure); measured in docs/extract.md.
    return cuda ? 64 : 8;
}

Result<ExtractSummary> extract_activations(const Dataset& dataset, const ExtractOptions& options,
                                           ProgressSink& progress, const CancelToken& cancel) {
    const auto started = std::chrono::steady_clock::now();
    if (options.dtype != DType::F16 && options.dtype != DType::F32) {
        return fail(ErrorCode::InvalidArgument, "activations are stored as float16 or float32");
    }
    const int64_t count =
        options.limit >= 0 ? std::min<int64_t>(options.limit, static_cast<int64_t>(dataset.size()))
                           : static_cast<int64_t>(dataset.size());
    if (count <= 0) {
        return fail(ErrorCode::NotFound, dataset.source + ": no images to extract");
    }

    // Everything that can fail for a bad model or bad options runs before anything is written.
    auto runner = ModelRunner::load(options.model, options.runner);
    if (!runner) {
        return fail(runner.error());
    }
    auto layers = select_layers(runner->layers(), options.layers, options.model.string());
    if (!layers) {
        return fail(layers.error());
    }
    const bool has_tokens = std::any_of(layers->begin(), layers->end(), [](const LayerInfo& l) {
        return l.kind == LayerKind::Tokens;
    });
    TokenChoice token = options.token;
    if (token == TokenChoice::Auto) {
        token = runner->metadata().class_token ? TokenChoice::Cls : TokenChoice::Mean;
    }
    const std::string token_name = has_tokens ? to_string(token) : "pooled";
    const bool cuda = runner->device().rfind("cuda", 0) == 0;
    const int64_t batch = options.batch > 0 ? options.batch : default_batch_size(cuda);
    auto model_sha = sha256_file(options.model);
    if (!model_sha) {
        return fail(model_sha.error());
    }
    const nlohmann::json print = fingerprint(*model_sha, dataset, count, *layers, token_name,
                                             options.dtype, batch, runner->metadata());

    RunState run(options.out);
    run.print = print;
    std::error_code ec;
    bool resumed = false;
    bool finalizing = false;
    if (fs::exists(options.out, ec)) {
        if (!fs::is_directory(options.out, ec)) {
            return fail(ErrorCode::InvalidArgument,
                        options.out.string() + " exists and is not a folder; nothing was changed");
        }
        if (fs::exists(run.paths.manifest(), ec)) {
            return fail(ErrorCode::InvalidArgument,
                        options.out.string() +
                            " already holds a finished workspace; nothing was changed (choose "
                            "another --out or delete it)");
        }
        if (fs::exists(run.paths.extract_progress(), ec)) {
            auto record = read_record(run.paths);
            if (!record) {
                return fail(record.error());
            }
            if ((*record)["settings"] != print) {
                return fail(ErrorCode::InvalidArgument,
                            options.out.string() +
                                " holds an interrupted extraction with different settings "
                                "(model, images, layers, token, dtype, batch or limit); nothing "
                                "was changed. Rerun it with the same settings or choose another "
                                "--out");
            }
            auto state = resume_run(run, *record, *layers, options.dtype);
            if (!state) {
                return fail(state.error());
            }
            resumed = true;
            finalizing = *state;
        } else if (fs::directory_iterator(options.out, ec) != fs::directory_iterator()) {
            return fail(ErrorCode::InvalidArgument,
                        options.out.string() + " is not empty; nothing was changed");
        }
    }
    if (!resumed) {
        if (auto r = start_fresh(run, *layers, options.dtype); !r) {
            return fail(r.error());
        }
    }
    if (resumed && !finalizing) {
        progress.note("resuming an interrupted extraction at image " +
                      std::to_string(run.next_item) + " of " + std::to_string(count));
    }

    progress.begin("extracting activations", count, "images");
    progress.set_done(run.next_item);
    if (!finalizing && run.next_item < count) {
        const int workers = options.workers > 0 ? options.workers : available_cores();
        BatchLoader loader(dataset, runner->metadata().preprocess, run.next_item, count, batch,
                           workers);
        const size_t floats = runner->metadata().preprocess.floats_per_image();
        std::vector<float> compact;
        auto last_checkpoint = std::chrono::steady_clock::now();
        const int64_t crash_after = crash_after_batches();
        int64_t batches_done = 0;
        while (const LoadedBatch* loaded = loader.next()) {
            if (cancel.is_cancelled()) {
                if (auto r = run.checkpoint(); !r) {
                    return fail(r.error());
                }
                return fail(
                    cancel.cancelled_error("extracting activations (progress saved; "
                                           "run the same command again to resume)"));
            }
            std::vector<int64_t> good;
            for (int64_t k = 0; k < loaded->count; ++k) {
                if (loaded->ok[static_cast<size_t>(k)]) {
                    good.push_back(k);
                }
            }
            const float* input = loaded->pixels;
            if (static_cast<int64_t>(good.size()) != loaded->count) {
                compact.resize(good.size() * floats);
                for (size_t j = 0; j < good.size(); ++j) {
                    std::copy_n(loaded->pixels + static_cast<size_t>(good[j]) * floats, floats,
                                compact.data() + j * floats);
                }
                input = compact.data();
            }
            if (!good.empty()) {
                auto vectors =
                    runner->extract(input, static_cast<int64_t>(good.size()), *layers, token);
                if (!vectors) {
                    return fail(vectors.error());
                }
                for (size_t l = 0; l < layers->size(); ++l) {
                    if (auto r = run.writers[l].append((*vectors)[l].data(),
                                                       static_cast<int64_t>(good.size()));
                        !r) {
                        return fail(r.error());
                    }
                }
            }
            std::string image_lines;
            std::string report_lines;
            for (int64_t k = 0; k < loaded->count; ++k) {
                const auto& item = dataset.items[static_cast<size_t>(loaded->first + k)];
                if (loaded->ok[static_cast<size_t>(k)]) {
                    image_lines +=
                        format_image_record({run.rows++, item.ref, item.label, item.split});
                } else {
                    ++run.skipped;
                    report_lines += std::to_string(loaded->first + k) + '\t' + one_line(item.ref) +
                                    '\t' + one_line(loaded->reasons[static_cast<size_t>(k)]) + '\n';
                    progress.note("skipped " + item.ref + ": " +
                                  loaded->reasons[static_cast<size_t>(k)]);
                }
            }
            if (auto r = append_text(run.images, run.images_bytes, image_lines); !r) {
                return fail(r.error());
            }
            if (auto r = append_text(run.report, run.report_bytes, report_lines); !r) {
                return fail(r.error());
            }
            run.next_item = loaded->first + loaded->count;
            progress.advance(loaded->count);
            ++batches_done;
            const auto now = std::chrono::steady_clock::now();
            if (std::chrono::duration<double>(now - last_checkpoint).count() >=
                options.checkpoint_seconds) {
                if (auto r = run.checkpoint(); !r) {
                    return fail(r.error());
                }
                last_checkpoint = now;
            }
            if (batches_done == crash_after) {
                std::_Exit(137);
            }
        }
    }
    if (run.rows == 0) {
        return fail(ErrorCode::NotFound, dataset.source + ": none of the " + std::to_string(count) +
                                             " images could be decoded (see " +
                                             partial(run.paths.extract_report()).string() + ")");
    }

    WorkspaceManifest manifest;
    manifest.model_path = fs::absolute(options.model).lexically_normal().string();
    manifest.model_sha256 = *model_sha;
    manifest.dataset_kind = dataset.kind;
    manifest.dataset_source = dataset.source;
    manifest.image_count = run.rows;
    manifest.skipped_count = run.skipped;
    manifest.classes = dataset.classes;
    for (const auto& layer : *layers) {
        manifest.layers.push_back({layer.name, layer.dim, to_string(layer.kind)});
    }
    manifest.token = token_name;
    manifest.dtype = std::string(dtype_name(options.dtype));
    manifest.created = run.created;
    manifest.tool_version = kTaxoscopeVersion;
    if (auto r = finalize(run, manifest); !r) {
        return fail(r.error());
    }
    progress.finish();

    ExtractSummary summary;
    summary.images = run.rows;
    summary.skipped = run.skipped;
    summary.resumed = resumed;
    summary.layers = manifest.layers;
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

}  // namespace taxoscope::core
