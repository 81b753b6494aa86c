// `taxoscope-cli import-sae --workspace WS --layer L PATH`: brings an SAE trained elsewhere into
// the workspace as sae/<layer>/ in our (SAELens) layout, checked against the layer's width.
#include <filesystem>
#include <iostream>

#include "app/cli/command.h"
#include "core/sae/sae_io.h"
#include "core/store/workspace.h"

namespace taxoscope::cli {
namespace {

class ImportSaeCommand final : public Command {
  public:
    std::string name() const override { return "import-sae"; }
    std::string summary() const override {
        return "Import an SAE (SAELens, sparsify, dictionary_learning) for one workspace layer";
    }
    void add_options(CLI::App& sub) override {
        sub.add_option("--workspace", workspace_, "workspace folder")->required();
        sub.add_option("--layer", layer_, "the layer the SAE was trained on")->required();
        sub.add_option("path", path_, "SAE folder, or a file in it")->required();
        sub.add_flag("--force", force_, "replace an SAE the layer already has");
    }

    int run(CliContext& context) override {
        auto workspace = core::Workspace::open(workspace_);
        if (!workspace) {
            return context.report(workspace.error());
        }
        const core::WorkspaceLayer* layer = workspace->manifest().find_layer(layer_);
        if (layer == nullptr) {
            std::string names;
            for (const auto& n : workspace->layer_names()) {
                names += (names.empty() ? "" : ", ") + n;
            }
            return context.report(
                core::Error{core::ErrorCode::NotFound,
                            workspace_ + ": no layer '" + layer_ + "' (layers: " + names + ")"});
        }
        const auto& paths = workspace->paths();
        std::error_code ec;
        if (!force_ && std::filesystem::exists(paths.sae_config(layer_), ec)) {
            return context.report(
                core::Error{core::ErrorCode::InvalidArgument,
                            paths.sae_dir(layer_).string() +
                                " already holds an SAE; pass --force to replace it"});
        }
        core::SaeLoadOptions options;
        options.expected_d_in = layer->dim;
        options.layer = layer_;
        auto sae = core::load_sae(path_, options);
        if (!sae) {
            return context.report(sae.error());
        }
        core::SaeConfig& config = sae->mutable_config();
        config.source_path = std::filesystem::absolute(config.source_path).string();
        if (config.hook_name.empty()) {
            config.hook_name = layer_;
        }
        if (auto ok = core::save_sae(paths.sae_dir(layer_), *sae); !ok) {
            return context.report(ok.error());
        }
        // A log from an earlier SAE of this layer would describe the wrong weights.
        std::filesystem::remove(paths.sae_dir(layer_) / core::kTrainingLogFile, ec);
        std::cout << "imported " << to_string(config.source_format) << " SAE ("
                  << to_string(config.architecture) << ", d_in " << config.d_in << ", d_sae "
                  << config.d_sae << ") into " << paths.sae_dir(layer_).string() << '\n';
        for (const auto& note : config.notes) {
            std::cout << "note: " << note << '\n';
        }
        return 0;
    }

  private:
    std::string workspace_;
    std::string layer_;
    std::string path_;
    bool force_ = false;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(ImportSaeCommand)

}  // namespace taxoscope::cli
