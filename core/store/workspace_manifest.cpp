#include "core/store/workspace_manifest.h"

#include <ctime>

#include "core/store/atomic_file.h"

namespace taxoscope::core {
namespace {

const char* const kKnownKeys[] = {"version", "model", "dataset", "classes",     "layers",
                                  "token",   "dtype", "created", "tool_version"};

}  // namespace

const WorkspaceLayer* WorkspaceManifest::find_layer(const std::string& name) const {
    for (const auto& layer : layers) {
        if (layer.name == name) {
            return &layer;
        }
    }
    return nullptr;
}

nlohmann::json manifest_to_json(const WorkspaceManifest& m) {
    nlohmann::json j = m.extra.is_object() ? m.extra : nlohmann::json::object();
    j["version"] = m.version;
    j["model"] = {{"path", m.model_path}, {"sha256", m.model_sha256}};
    j["dataset"] = {{"kind", m.dataset_kind},
                    {"source", m.dataset_source},
                    {"images", m.image_count},
                    {"skipped", m.skipped_count}};
    nlohmann::json classes = nlohmann::json::array();
    for (const auto& c : m.classes.classes) {
        classes.push_back({{"wnid", c.wnid}, {"name", c.name}});
    }
    j["classes"] = {{"set", m.classes.set_name}, {"list", classes}};
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : m.layers) {
        layers.push_back({{"name", layer.name}, {"dim", layer.dim}, {"kind", layer.kind}});
    }
    j["layers"] = layers;
    j["token"] = m.token;
    j["dtype"] = m.dtype;
    j["created"] = m.created;
    j["tool_version"] = m.tool_version;
    return j;
}

Result<WorkspaceManifest> manifest_from_json(const nlohmann::json& j, const std::string& where) {
    try {
        WorkspaceManifest m;
        m.version = j.at("version").get<int>();
        if (m.version < 1 || m.version > WorkspaceManifest::kVersion) {
            return fail(ErrorCode::Unsupported,
                        where + ": workspace version " + std::to_string(m.version) +
                            " is not supported by this taxoscope (reads up to " +
                            std::to_string(WorkspaceManifest::kVersion) + ")");
        }
        const auto& model = j.at("model");
        m.model_path = model.at("path").get<std::string>();
        m.model_sha256 = model.at("sha256").get<std::string>();
        const auto& dataset = j.at("dataset");
        m.dataset_kind = dataset.at("kind").get<std::string>();
        m.dataset_source = dataset.at("source").get<std::string>();
        m.image_count = dataset.at("images").get<int64_t>();
        m.skipped_count = dataset.value("skipped", int64_t{0});
        const auto& classes = j.at("classes");
        m.classes.set_name = classes.at("set").get<std::string>();
        for (const auto& c : classes.at("list")) {
            m.classes.classes.push_back(
                {c.at("wnid").get<std::string>(), c.at("name").get<std::string>()});
        }
        for (const auto& layer : j.at("layers")) {
            m.layers.push_back({layer.at("name").get<std::string>(), layer.at("dim").get<int64_t>(),
                                layer.value("kind", std::string())});
        }
        m.token = j.at("token").get<std::string>();
        m.dtype = j.at("dtype").get<std::string>();
        m.created = j.value("created", std::string());
        m.tool_version = j.value("tool_version", std::string());
        m.extra = j;
        for (const char* key : kKnownKeys) {
            m.extra.erase(key);
        }
        return m;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Parse, where + ": missing or mistyped field: " + e.what());
    }
}

Result<WorkspaceManifest> read_manifest(const std::filesystem::path& path) {
    auto text = read_text_file(path);
    if (!text) {
        return fail(text.error());
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Parse, path.string() + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) {
        return fail(ErrorCode::Parse, path.string() + ": not a JSON object");
    }
    return manifest_from_json(j, path.string());
}

Result<void> write_manifest(const std::filesystem::path& path, const WorkspaceManifest& manifest) {
    return write_file_atomic(path, manifest_to_json(manifest).dump(2) + "\n");
}

std::string utc_timestamp_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

}  // namespace taxoscope::core
