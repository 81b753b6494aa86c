#include "ui/pipeline/pipeline_stages.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/analysis/workspace_analysis.h"
#include "core/data/dataset.h"
#include "core/model/extraction.h"
#include "core/sae/sae_io.h"
#include "core/sae/sae_trainer.h"
#include "core/store/workspace.h"

namespace taxoscope::ui {
namespace {

namespace fs = std::filesystem;

bool path_exists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

// Removes what a failed stage wrote into a folder that was new (remove it) or empty (empty it).
void remove_created(const fs::path& folder, OutputFolderState before) {
    std::error_code ec;
    if (before == OutputFolderState::New) {
        fs::remove_all(folder, ec);
    } else if (before == OutputFolderState::Empty) {
        for (const auto& entry : fs::directory_iterator(folder, ec)) {
            std::error_code ignored;
            fs::remove_all(entry.path(), ignored);
        }
    }
}

std::string format(const char* pattern, double a, double b = 0.0, double c = 0.0, double d = 0.0) {
    char text[200];
    std::snprintf(text, sizeof text, pattern, a, b, c, d);
    return text;
}

}  // namespace

std::vector<std::string> pipeline_layers(const PipelineSettings& settings,
                                         const core::Workspace& workspace) {
    if (settings.layers.empty() || (settings.layers.size() == 1 && settings.layers[0] == "all")) {
        return workspace.layer_names();
    }
    return settings.layers;
}

core::Result<std::string> run_extract_stage(const PipelineSettings& settings,
                                            core::ProgressSink& progress,
                                            const core::CancelToken& cancel) {
    const OutputFolderState before = output_folder_state(settings.out);
    if (before == OutputFolderState::Workspace) {
        return std::string("activations were already extracted (") +
               core::WorkspacePaths(settings.out).manifest().string() + "): skipped";
    }
    if (!output_folder_usable(before)) {
        return core::fail(
            core::ErrorCode::InvalidArgument,
            settings.out.string() + (before == OutputFolderState::NotAFolder
                                         ? " is a file, not a folder; nothing was changed"
                                         : " is not empty and holds no taxoscope run; nothing was "
                                           "changed"));
    }
    core::ClassList classes;
    if (!settings.classes.empty()) {
        auto read = core::resolve_class_list(settings.classes);
        if (!read) {
            return core::fail(read.error());
        }
        classes = std::move(*read);
    }
    auto dataset = core::open_dataset(settings.images, classes.empty() ? nullptr : &classes);
    if (!dataset) {
        return core::fail(dataset.error());
    }
    core::ExtractOptions options;
    options.model = fs::absolute(settings.model);
    options.out = settings.out;
    options.layers = settings.layers;
    options.token = settings.token;
    options.runner.device = settings.device;
    options.limit = settings.limit;
    auto summary = core::extract_activations(**dataset, options, progress, cancel);
    if (!summary) {
        if (summary.error().code != core::ErrorCode::Cancelled) {
            remove_created(settings.out, before);
        }
        return core::fail(summary.error());
    }
    std::string text = (summary->resumed ? "resumed and extracted " : "extracted ") +
                       std::to_string(summary->images) + " images, " +
                       std::to_string(summary->layers.size()) + " layer(s)";
    if (summary->skipped > 0) {
        text += ", " + std::to_string(summary->skipped) + " unreadable image(s) skipped (see " +
                core::WorkspacePaths(settings.out).extract_report().string() + ")";
    }
    return text + format(" in %.1f s", summary->seconds);
}

core::Result<std::string> run_sae_stage(const PipelineSettings& settings,
                                        core::ProgressSink& progress,
                                        const core::CancelToken& cancel) {
    auto workspace = core::Workspace::open(settings.out);
    if (!workspace) {
        return core::fail(workspace.error());
    }
    const auto& paths = workspace->paths();
    const std::vector<std::string> layers = pipeline_layers(settings, *workspace);
    if (layers.empty()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          settings.out.string() + ": no layers to give SAEs to");
    }
    // Every layer is checked before any work, as train-sae and import-sae do.
    for (const auto& layer : layers) {
        if (auto activations = workspace->open_activations(layer); !activations) {
            return core::fail(activations.error());
        }
        if (settings.sae_source == SaeSource::Import && settings.imports.count(layer) == 0) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "no SAE folder was chosen for layer " + layer);
        }
    }
    std::string text;
    int skipped = 0;
    for (const auto& layer : layers) {
        // (train_sae checks the token itself and checkpoints the layer it stops in.)
        if (settings.sae_source == SaeSource::Import && cancel.is_cancelled()) {
            return core::fail(
                cancel.cancelled_error("importing the SAEs (imported layers are "
                                       "kept; run again to resume)"));
        }
        const bool interrupted = path_exists(paths.sae_dir(layer) / core::kTrainingCheckpointFile);
        if (path_exists(paths.sae_config(layer)) && !interrupted) {
            ++skipped;
            continue;
        }
        if (!text.empty()) {
            text += '\n';
        }
        if (settings.sae_source == SaeSource::Train) {
            const bool existed = path_exists(paths.sae_dir(layer));
            auto report = core::train_sae(paths.activations(layer), paths.sae_dir(layer),
                                          settings.training, interrupted, layer, progress, cancel);
            if (!report) {
                if (report.error().code != core::ErrorCode::Cancelled && !existed) {
                    std::error_code ec;
                    fs::remove_all(paths.sae_dir(layer), ec);
                }
                return core::fail(report.error().with_context("layer " + layer));
            }
            text += layer + (interrupted ? ": resumed and trained" : ": trained") +
                    format(" (d_sae %.0f, %.1f steps/s); held-out FVU %.4f, L0 %.1f",
                           static_cast<double>(report->d_sae), report->steps_per_second,
                           report->heldout_fvu, report->heldout_l0);
        } else {
            progress.begin("importing the SAE of " + layer, 1, "SAEs");
            const core::WorkspaceLayer* info = workspace->manifest().find_layer(layer);
            core::SaeLoadOptions load;
            load.expected_d_in = info != nullptr ? info->dim : 0;
            load.layer = layer;
            auto sae = core::load_sae(settings.imports.at(layer), load);
            if (!sae) {
                return core::fail(sae.error().with_context("layer " + layer));
            }
            core::SaeConfig& config = sae->mutable_config();
            config.source_path = fs::absolute(config.source_path).string();
            if (config.hook_name.empty()) {
                config.hook_name = layer;
            }
            if (auto saved = core::save_sae(paths.sae_dir(layer), *sae); !saved) {
                return core::fail(saved.error());
            }
            std::error_code ec;
            fs::remove(paths.sae_dir(layer) / core::kTrainingLogFile, ec);
            progress.advance();
            progress.finish();
            text += layer + ": imported " + std::string(to_string(config.source_format)) +
                    " SAE (" + std::string(to_string(config.architecture)) + ", d_sae " +
                    std::to_string(config.d_sae) + ")";
            for (const auto& note : config.notes) {
                text += "; note: " + note;
            }
        }
    }
    if (skipped > 0) {
        text += std::string(text.empty() ? "" : "\n") + std::to_string(skipped) +
                " layer(s) already had an SAE: kept";
    }
    return text;
}

core::Result<std::string> run_analysis_stage(const PipelineSettings& settings,
                                             core::ProgressSink& progress,
                                             const core::CancelToken& cancel) {
    auto workspace = core::Workspace::open(settings.out);
    if (!workspace) {
        return core::fail(workspace.error());
    }
    std::vector<std::string> layers;
    for (const auto& layer : pipeline_layers(settings, *workspace)) {
        if (path_exists(workspace->paths().sae_dir(layer))) {
            layers.push_back(layer);
        }
    }
    if (layers.empty()) {
        return core::fail(core::ErrorCode::NotFound,
                          settings.out.string() + ": no layer has an SAE to analyse");
    }
    auto taxonomy = core::workspace_taxonomy(*workspace, {}, progress, cancel);
    if (!taxonomy) {
        return core::fail(taxonomy.error());
    }
    auto labels = core::workspace_labels(*workspace, *taxonomy);
    if (!labels) {
        return core::fail(labels.error());
    }
    std::string text;
    for (const auto& layer : layers) {
        auto outcome = core::analyze_workspace_layer(*workspace, layer, *taxonomy, *labels,
                                                     settings.analysis, false, progress, cancel);
        if (!outcome) {
            return core::fail(outcome.error().with_context("layer " + layer));
        }
        const core::LayerSummary& s = outcome->summary;
        if (!text.empty()) {
            text += '\n';
        }
        text += layer + (outcome->skipped ? " (up to date, kept): " : ": ") +
                (std::isnan(s.probe_acc) ? std::string("probe n/a")
                                         : format("probe acc %.3f", s.probe_acc)) +
                format(", FVU %.4f, L0 %.1f, coverage %.3f (shuffled labels %.3f)", s.fvu, s.l0,
                       s.coverage, s.coverage_baseline);
    }
    return text;
}

}  // namespace taxoscope::ui
