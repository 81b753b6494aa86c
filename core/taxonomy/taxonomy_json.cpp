#include "core/taxonomy/taxonomy_json.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/taxonomy/text_lines.h"

namespace taxoscope::core {
namespace {

using nlohmann::json;

// Throws json::exception on a missing key or a wrong type; the caller turns that into an Error.
Result<Taxonomy> from_document(const json& doc, const std::string& origin) {
    if (!doc.is_object() || doc.value("format", std::string()) != kTaxonomyJsonFormat) {
        return fail(ErrorCode::Parse, origin +
                                          ": not a taxoscope taxonomy (\"format\" should be \"" +
                                          kTaxonomyJsonFormat + "\")");
    }
    const int version = doc.at("version").get<int>();
    if (version != kTaxonomyJsonVersion) {
        return fail(ErrorCode::Unsupported, origin + ": taxonomy.json version " +
                                                std::to_string(version) +
                                                " is not supported (this taxoscope reads version " +
                                                std::to_string(kTaxonomyJsonVersion) + ")");
    }
    TaxonomyOrigin source;
    source.source = doc.at("source").get<std::string>();
    source.class_set = doc.at("class_set").get<std::string>();

    const json& jnodes = doc.at("nodes");
    std::vector<TaxonomyNode> nodes;
    std::vector<std::vector<int>> parents;
    nodes.reserve(jnodes.size());
    parents.reserve(jnodes.size());
    for (const json& jn : jnodes) {
        TaxonomyNode n;
        n.id = jn.at("id").get<std::string>();
        n.name = jn.at("name").get<std::string>();
        const auto kind = node_kind_from_string(jn.at("kind").get<std::string>());
        if (!kind) {
            return fail(ErrorCode::Parse, origin + ": node '" + n.id + "' has an unknown kind");
        }
        n.kind = *kind;
        if (const auto it = jn.find("lemmas"); it != jn.end()) {
            n.lemmas = it->get<std::vector<std::string>>();
        }
        if (const auto it = jn.find("gloss"); it != jn.end()) {
            n.gloss = it->get<std::string>();
        }
        parents.push_back(jn.at("parents").get<std::vector<int>>());
        nodes.push_back(std::move(n));
    }
    std::vector<TaxonomyClass> classes;
    for (const json& jc : doc.at("classes")) {
        TaxonomyClass c;
        c.id = jc.at("id").get<std::string>();
        c.name = jc.at("name").get<std::string>();
        c.leaf = jc.at("leaf").get<int>();
        classes.push_back(std::move(c));
    }
    auto taxonomy =
        Taxonomy::from_ordered(std::move(nodes), std::move(parents), std::move(classes), source);
    if (!taxonomy) {
        Error e = taxonomy.error().with_context(origin);
        e.code = ErrorCode::Parse;
        return fail(e);
    }
    return taxonomy;
}

}  // namespace

std::string taxonomy_to_json(const Taxonomy& taxonomy) {
    json doc;
    doc["format"] = kTaxonomyJsonFormat;
    doc["version"] = kTaxonomyJsonVersion;
    doc["source"] = taxonomy.origin().source;
    doc["class_set"] = taxonomy.origin().class_set;
    json nodes = json::array();
    for (int v = 0; v < taxonomy.node_count(); ++v) {
        const TaxonomyNode& n = taxonomy.node(v);
        json jn;
        jn["id"] = n.id;
        jn["name"] = n.name;
        jn["kind"] = std::string(to_string(n.kind));
        jn["parents"] = taxonomy.parents(v);
        if (!n.lemmas.empty()) {
            jn["lemmas"] = n.lemmas;
        }
        if (!n.gloss.empty()) {
            jn["gloss"] = n.gloss;
        }
        nodes.push_back(std::move(jn));
    }
    doc["nodes"] = std::move(nodes);
    json classes = json::array();
    for (const TaxonomyClass& c : taxonomy.classes()) {
        classes.push_back({{"id", c.id}, {"name", c.name}, {"leaf", c.leaf}});
    }
    doc["classes"] = std::move(classes);
    return doc.dump(1) + "\n";
}

Result<Taxonomy> taxonomy_from_json(std::string_view text, const std::string& origin) {
    try {
        return from_document(json::parse(text), origin);
    } catch (const json::exception& e) {
        return fail(ErrorCode::Parse, origin + ": " + e.what());
    }
}

Result<void> save_taxonomy_json(const Taxonomy& taxonomy, const std::filesystem::path& path) {
    const std::string text = taxonomy_to_json(taxonomy);
    auto temp = path;
    temp += ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size())) ||
            !out.flush()) {
            return fail(ErrorCode::Io, "cannot write " + temp.string());
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        return fail(ErrorCode::Io, "cannot rename " + temp.string() + " to " + path.string());
    }
    return {};
}

Result<Taxonomy> load_taxonomy_json(const std::filesystem::path& path) {
    auto text = read_text_file(path, "taxonomy");
    if (!text) {
        return fail(text.error());
    }
    return taxonomy_from_json(*text, path.string());
}

}  // namespace taxoscope::core
