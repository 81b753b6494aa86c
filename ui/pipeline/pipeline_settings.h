// What the New Workspace dialog asks for, as plain core values: the stages of the pipeline
// (ui/pipeline/pipeline_stages.h) run from this alone, so tests can drive them without widgets.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/analysis/layer_analysis.h"
#include "core/model/layer_output.h"
#include "core/sae/sae_training_options.h"

namespace taxoscope::ui {

enum class SaeSource {
    Train,   // train one SAE per layer on the extracted activations
    Import,  // import one SAE folder per layer (SAELens, sparsify, dictionary_learning)
};

struct PipelineSettings {
    std::filesystem::path model;  // TorchScript file following the model contract
    std::string images;           // image folder, manifest (.tsv/.csv) or fashion-mnist[:split]
    std::string classes;          // built-in class set, class list file, or empty (folder names)
    std::filesystem::path out;    // the workspace folder: new, empty, or a run to resume
    std::vector<std::string> layers;  // empty: every layer of the model
    core::TokenChoice token = core::TokenChoice::Auto;
    std::string device = "auto";  // auto | cpu | cuda:N
    int64_t limit = -1;           // only the first N images (-1: all)

    SaeSource sae_source = SaeSource::Train;
    core::SaeTrainingOptions training;
    std::map<std::string, std::filesystem::path> imports;  // layer -> SAE folder (Import)

    core::AnalysisOptions analysis;
};

// What an output folder holds before the pipeline runs in it.
enum class OutputFolderState {
    New,                    // does not exist: the pipeline creates it
    Empty,                  // an empty folder
    InterruptedExtraction,  // extract_progress.json: the extraction continues where it stopped
    Workspace,              // workspace.json: extraction is done, later stages continue
    NotEmpty,               // anything else: refused, nothing is overwritten
    NotAFolder,             // a file: refused
};

OutputFolderState output_folder_state(const std::filesystem::path& folder);
// A state the pipeline can start (or resume) in.
inline bool output_folder_usable(OutputFolderState state) {
    return state != OutputFolderState::NotEmpty && state != OutputFolderState::NotAFolder;
}

}  // namespace taxoscope::ui
