#include "core/inspect/workspace_inspector.h"

#include <algorithm>

#include "core/sae/sae_io.h"
#include "core/taxonomy/taxonomy_json.h"

namespace taxoscope::core {

WorkspaceInspector::WorkspaceInspector(WorkspaceInspector&&) noexcept = default;
WorkspaceInspector& WorkspaceInspector::operator=(WorkspaceInspector&&) noexcept = default;
WorkspaceInspector::~WorkspaceInspector() = default;

Result<WorkspaceInspector> WorkspaceInspector::open(const std::filesystem::path& root,
                                                    const InspectorOptions& options) {
    auto workspace = Workspace::open(root);
    if (!workspace) {
        return fail(workspace.error());
    }
    WorkspaceInspector out;
    out.workspace_ = std::make_unique<Workspace>(std::move(*workspace));
    const WorkspacePaths& paths = out.workspace_->paths();
    const WorkspaceManifest& manifest = out.workspace_->manifest();

    const bool all =
        options.layers.empty() || (options.layers.size() == 1 && options.layers.front() == "all");
    std::error_code ec;
    for (const auto& name : all ? out.workspace_->layer_names() : options.layers) {
        if (manifest.find_layer(name) == nullptr) {
            std::string names;
            for (const auto& known : out.workspace_->layer_names()) {
                names += (names.empty() ? "" : ", ") + known;
            }
            return fail(ErrorCode::NotFound, paths.manifest().string() + ": no layer named '" +
                                                 name + "'; the workspace has: " + names);
        }
        if (all && !std::filesystem::exists(paths.sae_dir(name), ec)) {
            out.skipped_.push_back(name);
            continue;
        }
        auto sae = load_sae(paths.sae_dir(name));
        if (!sae) {
            return fail(sae.error().with_context("layer '" + name + "'"));
        }
        out.saes_.emplace(name, std::move(*sae));
        out.layers_.push_back(name);
    }
    if (out.layers_.empty()) {
        return fail(ErrorCode::NotFound, root.string() +
                                             ": no layer has an SAE yet (sae/<layer>/); train "
                                             "or import one first (train-sae, import-sae)");
    }

    for (const auto& name : out.layers_) {
        const auto file = paths.analysis(name);
        if (!std::filesystem::exists(file, ec)) {
            continue;
        }
        auto alignment = read_feature_alignment(file, out.saes_.at(name).config().d_sae);
        if (!alignment) {
            return fail(alignment.error());
        }
        out.alignment_.emplace(name, std::move(*alignment));
    }
    if (!out.alignment_.empty()) {
        if (std::filesystem::exists(paths.taxonomy(), ec)) {
            auto taxonomy = load_taxonomy_json(paths.taxonomy());
            if (!taxonomy) {
                return fail(taxonomy.error());
            }
            out.taxonomy_.emplace(std::move(*taxonomy));
        } else {
            out.notes_.push_back(paths.taxonomy().string() +
                                 " is missing: best nodes are shown by index only");
        }
    }

    if (auto token = parse_token_choice(manifest.token); token) {
        out.token_ = *token;  // "pooled" / "spatial-mean" workspaces have no token choice
    }
    RunnerOptions runner;
    runner.device = options.device;
    runner.metadata_file = options.metadata_file;
    auto model = ModelRunner::load(
        options.model.empty() ? std::filesystem::path(manifest.model_path) : options.model, runner);
    if (!model) {
        return fail(model.error());
    }
    out.runner_ = std::make_unique<ModelRunner>(std::move(*model));
    return out;
}

Result<PreparedImage> WorkspaceInspector::prepare(const std::filesystem::path& image) const {
    return prepare_image_file(image, runner_->metadata().preprocess);
}

Result<ImageInspection> WorkspaceInspector::inspect(const PreparedImage& image,
                                                    const InspectOptions& options,
                                                    const std::vector<int64_t>& features,
                                                    ProgressSink& progress,
                                                    const CancelToken& cancel) {
    std::vector<LayerRequest> requests;
    for (const auto& name : layers_) {
        requests.push_back({name, &saes_.at(name), features});
    }
    InspectOptions with_token = options;
    with_token.token = token_;
    return inspect_image(*runner_, image, requests, with_token, progress, cancel);
}

const Sae* WorkspaceInspector::sae(const std::string& layer) const {
    const auto it = saes_.find(layer);
    return it == saes_.end() ? nullptr : &it->second;
}

std::optional<NodeLabel> WorkspaceInspector::best_node(const std::string& layer,
                                                       int64_t feature) const {
    const auto it = alignment_.find(layer);
    if (it == alignment_.end() || feature < 0 ||
        feature >= static_cast<int64_t>(it->second.best_node.size())) {
        return std::nullopt;
    }
    NodeLabel label;
    label.node = it->second.best_node[static_cast<size_t>(feature)];
    label.f1 = it->second.best_f1[static_cast<size_t>(feature)];
    if (taxonomy_ && label.node >= 0 && label.node < taxonomy_->node_count()) {
        label.id = taxonomy_->node(label.node).id;
        label.name = taxonomy_->node(label.node).name;
    }
    return label;
}

}  // namespace taxoscope::core
