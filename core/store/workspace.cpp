#include "core/store/workspace.h"

#include <cctype>

namespace taxoscope::core {

std::string WorkspacePaths::layer_file_stem(const std::string& layer) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (size_t i = 0; i < layer.size(); ++i) {
        const auto c = static_cast<unsigned char>(layer[i]);
        const bool plain = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0);
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out.empty() ? "%00" : out;
}

std::filesystem::path WorkspacePaths::activations(const std::string& layer) const {
    return activations_dir() / (layer_file_stem(layer) + ".npy");
}

std::filesystem::path WorkspacePaths::sae_dir(const std::string& layer) const {
    return root_ / "sae" / layer_file_stem(layer);
}

std::filesystem::path WorkspacePaths::sae_config(const std::string& layer) const {
    return sae_dir(layer) / "cfg.json";
}

std::filesystem::path WorkspacePaths::sae_weights(const std::string& layer) const {
    return sae_dir(layer) / "sae_weights.safetensors";
}

std::filesystem::path WorkspacePaths::analysis(const std::string& layer) const {
    return analysis_dir() / (layer_file_stem(layer) + ".safetensors");
}

Result<Workspace> Workspace::open(const std::filesystem::path& root) {
    WorkspacePaths paths(root);
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
        return fail(ErrorCode::NotFound, root.string() + ": no such workspace folder");
    }
    if (!std::filesystem::exists(paths.manifest(), ec)) {
        const bool interrupted = std::filesystem::exists(paths.extract_progress(), ec);
        return fail(
            ErrorCode::NotFound,
            root.string() + (interrupted ? ": holds an interrupted extraction; run the "
                                           "same extract command again to finish it"
                                         : ": not a taxoscope workspace (no workspace.json)"));
    }
    auto manifest = read_manifest(paths.manifest());
    if (!manifest) {
        return fail(manifest.error());
    }
    return Workspace(std::move(paths), std::move(*manifest));
}

std::vector<std::string> Workspace::layer_names() const {
    std::vector<std::string> names;
    for (const auto& layer : manifest_.layers) {
        names.push_back(layer.name);
    }
    return names;
}

Result<std::vector<ImageRecord>> Workspace::read_images() const {
    auto records = read_image_table(paths_.images());
    if (records && static_cast<int64_t>(records->size()) != manifest_.image_count) {
        return fail(ErrorCode::ShapeMismatch,
                    paths_.images().string() + ": lists " + std::to_string(records->size()) +
                        " images but workspace.json says " + std::to_string(manifest_.image_count));
    }
    return records;
}

Result<NpyFile> Workspace::open_activations(const std::string& layer) const {
    const WorkspaceLayer* entry = manifest_.find_layer(layer);
    if (entry == nullptr) {
        std::string available;
        for (const auto& l : manifest_.layers) {
            available += (available.empty() ? "" : ", ") + l.name;
        }
        return fail(ErrorCode::NotFound, paths_.root().string() + ": no layer '" + layer +
                                             "' in this workspace (layers: " + available + ")");
    }
    auto file = NpyFile::open(paths_.activations(layer));
    if (!file) {
        return file;
    }
    const auto& shape = file->header().shape;
    if (shape.size() != 2 || shape[0] != manifest_.image_count || shape[1] != entry->dim) {
        return fail(ErrorCode::ShapeMismatch,
                    paths_.activations(layer).string() + ": shape " + shape_to_string(shape) +
                        " but workspace.json says [" + std::to_string(manifest_.image_count) +
                        ", " + std::to_string(entry->dim) + "]");
    }
    return file;
}

Result<void> Workspace::save_manifest(const WorkspaceManifest& manifest) {
    if (auto r = write_manifest(paths_.manifest(), manifest); !r) {
        return r;
    }
    manifest_ = manifest;
    return {};
}

}  // namespace taxoscope::core
