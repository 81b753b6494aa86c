#include "core/analysis/workspace_analysis.h"

#include "core/store/atomic_file.h"
#include "core/store/sha256.h"
#include "core/taxonomy/custom_taxonomy.h"
#include "core/taxonomy/taxonomy_json.h"
#include "core/taxonomy/wordnet_location.h"
#include "core/taxonomy/wordnet_taxonomy.h"

namespace taxoscope::core {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string sha256_text(const std::string& text) {
    Sha256 hash;
    hash.update(text.data(), text.size());
    return hash.hex_digest();
}

json file_stamp(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        return nullptr;
    }
    const auto mtime = fs::last_write_time(path, ec);
    return {{"size", size},
            {"mtime", ec ? 0 : static_cast<int64_t>(mtime.time_since_epoch().count())}};
}

Result<Taxonomy> taxonomy_from_spec(const Workspace& workspace, const fs::path& spec,
                                    ProgressSink& progress, const CancelToken& cancel) {
    if (!spec.empty()) {
        if (spec.extension() == ".json") {
            return load_taxonomy_json(spec);
        }
        return read_custom_taxonomy(spec);
    }
    const ClassList& classes = workspace.manifest().classes;
    if (classes.empty()) {
        return fail(ErrorCode::InvalidArgument,
                    workspace.paths().manifest().string() +
                        " lists no classes, so no WordNet taxonomy can be built; pass --taxonomy "
                        "with a custom taxonomy TSV or a taxonomy.json");
    }
    for (const auto& entry : classes.entries) {
        if (entry.wnid.empty()) {
            return fail(ErrorCode::InvalidArgument,
                        workspace.paths().manifest().string() + ": class '" + entry.name +
                            "' has no WordNet id; pass --taxonomy with a custom taxonomy TSV "
                            "or a taxonomy.json");
        }
    }
    auto wordnet = locate_wordnet();
    if (!wordnet) {
        return fail(wordnet.error());
    }
    return build_wordnet_taxonomy(classes, *wordnet, progress, cancel);
}

}  // namespace

Result<Taxonomy> workspace_taxonomy(const Workspace& workspace, const fs::path& spec,
                                    ProgressSink& progress, const CancelToken& cancel) {
    const fs::path saved = workspace.paths().taxonomy();
    std::error_code ec;
    const bool exists = fs::exists(saved, ec);
    if (spec.empty() && exists) {
        return load_taxonomy_json(saved);
    }
    auto taxonomy = taxonomy_from_spec(workspace, spec, progress, cancel);
    if (!taxonomy) {
        return fail(taxonomy.error());
    }
    // Rewritten only when different, so an unchanged spec keeps the layer files up to date.
    if (exists) {
        auto old = read_text_file(saved);
        if (old && *old == taxonomy_to_json(*taxonomy)) {
            return taxonomy;
        }
    }
    if (auto ok = save_taxonomy_json(*taxonomy, saved); !ok) {
        return fail(ok.error());
    }
    return taxonomy;
}

Result<WorkspaceLabels> workspace_labels(const Workspace& workspace, const Taxonomy& taxonomy) {
    auto records = workspace.read_images();
    if (!records) {
        return fail(records.error());
    }
    const std::string where = workspace.paths().images().string();
    const ClassList& classes = workspace.manifest().classes;
    // Workspace label -> taxonomy class.
    const int64_t label_count =
        classes.empty() ? taxonomy.class_count() : static_cast<int64_t>(classes.size());
    std::vector<int32_t> to_class(static_cast<size_t>(label_count), -1);
    for (int64_t i = 0; i < label_count; ++i) {
        if (classes.empty()) {
            to_class[static_cast<size_t>(i)] = static_cast<int32_t>(i);
            continue;
        }
        const ClassListEntry& entry = classes.entries[static_cast<size_t>(i)];
        if (i < taxonomy.class_count() &&
            (entry.wnid.empty() || taxonomy.class_info(static_cast<int>(i)).id == entry.wnid) &&
            (!entry.wnid.empty() || entry.name.empty() ||
             taxonomy.class_info(static_cast<int>(i)).name == entry.name ||
             taxonomy.class_info(static_cast<int>(i)).id == entry.name)) {
            to_class[static_cast<size_t>(i)] = static_cast<int32_t>(i);
            continue;
        }
        auto found = taxonomy.find_class(entry.wnid.empty() ? entry.name : entry.wnid);
        if (!found) {
            return fail(ErrorCode::NotFound, workspace.paths().taxonomy().string() +
                                                 ": the workspace's class " + std::to_string(i) +
                                                 " ('" +
                                                 (entry.wnid.empty() ? entry.name : entry.wnid) +
                                                 "') is not a class of the taxonomy");
        }
        to_class[static_cast<size_t>(i)] = static_cast<int32_t>(*found);
    }
    WorkspaceLabels out;
    out.labels.reserve(records->size());
    out.splits.reserve(records->size());
    for (const ImageRecord& r : *records) {
        if (r.label < -1 || r.label >= label_count) {
            return fail(ErrorCode::InvalidArgument,
                        where + ": row " + std::to_string(r.index) + " has label " +
                            std::to_string(r.label) + ", outside the " +
                            std::to_string(label_count) + " classes of the workspace");
        }
        out.labels.push_back(r.label < 0 ? -1 : to_class[static_cast<size_t>(r.label)]);
        out.splits.push_back(parse_row_split(r.split));
    }
    const int64_t rows = workspace.manifest().image_count;
    if (static_cast<int64_t>(out.labels.size()) != rows) {
        return fail(ErrorCode::ShapeMismatch, where + ": " + std::to_string(out.labels.size()) +
                                                  " rows but workspace.json says " +
                                                  std::to_string(rows) + " images");
    }
    return out;
}

Result<json> layer_input_fingerprint(const Workspace& workspace, const std::string& layer,
                                     const Taxonomy& taxonomy) {
    const WorkspacePaths& paths = workspace.paths();
    json sae = json::object();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(paths.sae_dir(layer), ec)) {
        if (entry.is_regular_file()) {
            sae[entry.path().filename().string()] = file_stamp(entry.path());
        }
    }
    if (ec) {
        return fail(ErrorCode::NotFound,
                    "layer '" + layer + "' has no SAE (" + paths.sae_dir(layer).string() +
                        "): train one with train-sae or bring one with import-sae");
    }
    return json{{"activations", file_stamp(paths.activations(layer))},
                {"images", file_stamp(paths.images())},
                {"sae", sae},
                {"taxonomy_sha256", sha256_text(taxonomy_to_json(taxonomy))}};
}

Result<LayerOutcome> analyze_workspace_layer(const Workspace& workspace, const std::string& layer,
                                             const Taxonomy& taxonomy,
                                             const WorkspaceLabels& labels,
                                             const AnalysisOptions& options, bool force,
                                             ProgressSink& progress, const CancelToken& cancel) {
    const WorkspacePaths& paths = workspace.paths();
    // Checks that the layer exists and its file matches the manifest.
    if (auto file = workspace.open_activations(layer); !file) {
        return fail(file.error());
    }
    auto inputs = layer_input_fingerprint(workspace, layer, taxonomy);
    if (!inputs) {
        return fail(inputs.error());
    }
    const std::string parameters = options.parameters().dump();
    const std::string stamp = inputs->dump();
    const fs::path out = paths.analysis(layer);
    LayerOutcome outcome;
    outcome.layer = layer;
    std::error_code ec;
    if (!force && fs::exists(out, ec)) {
        auto metadata = read_layer_analysis_metadata(out);
        if (metadata && (*metadata)["parameters"] == parameters && (*metadata)["inputs"] == stamp) {
            auto summary = LayerSummary::from_json(
                json::parse((*metadata)["summary"], nullptr, false), out.string());
            if (summary) {
                outcome.skipped = true;
                outcome.summary = std::move(*summary);
                if (auto ok = update_analysis_summary(paths.analysis_summary(), outcome.summary);
                    !ok) {
                    return fail(ok.error());
                }
                return outcome;
            }
        }
    }
    LayerInputs in;
    in.layer = layer;
    in.activations = paths.activations(layer);
    in.sae = paths.sae_dir(layer);
    in.taxonomy = &taxonomy;
    in.labels = labels.labels;
    in.splits = labels.splits;
    auto result = analyze_layer(in, options, progress, cancel);
    if (!result) {
        return fail(result.error());
    }
    result->analysis.metadata["inputs"] = stamp;
    fs::create_directories(paths.analysis_dir(), ec);
    if (ec) {
        return fail(ErrorCode::Io, paths.analysis_dir().string() + ": " + ec.message());
    }
    // The layer file first: it carries its summary entry, so a run killed between the two
    // writes still skips this layer next time and restores the entry.
    if (auto ok = write_layer_analysis(out, result->analysis); !ok) {
        return fail(ok.error());
    }
    if (auto ok = update_analysis_summary(paths.analysis_summary(), result->summary); !ok) {
        return fail(ok.error());
    }
    outcome.summary = std::move(result->summary);
    return outcome;
}

}  // namespace taxoscope::core
