// `taxoscope-cli inspect --workspace WS --image PATH`: the top SAE features of one image in
// every layer, with their best taxonomy nodes, and heatmap overlay PNGs (patch projection and
// gradient relevancy) for each of them.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/comma_list.h"
#include "app/cli/command.h"
#include "core/inspect/heatmap_overlay.h"
#include "core/inspect/workspace_inspector.h"

namespace taxoscope::cli {
namespace {

namespace fs = std::filesystem;

struct Peak {
    int row = 0;
    int col = 0;
    float value = 0.0f;
};

Peak peak_of(const std::vector<float>& map, int cols) {
    Peak peak;
    for (size_t i = 0; i < map.size(); ++i) {
        if (i == 0 || map[i] > peak.value) {
            peak = {static_cast<int>(i) / cols, static_cast<int>(i) % cols, map[i]};
        }
    }
    return peak;
}

nlohmann::json peak_json(const std::vector<float>& map, int cols) {
    const Peak p = peak_of(map, cols);
    return {{"row", p.row}, {"col", p.col}, {"value", p.value}};
}

std::string node_text(const std::optional<core::NodeLabel>& label) {
    if (!label) {
        return "-";
    }
    char f1[32];
    std::snprintf(f1, sizeof f1, " (F1 %.3f)", label->f1);
    if (label->id.empty()) {
        return "node " + std::to_string(label->node) + f1;
    }
    return label->id + " " + label->name + f1;
}

class InspectCommand final : public Command {
  public:
    std::string name() const override { return "inspect"; }
    std::string summary() const override {
        return "Top SAE features of one image per layer, their best nodes, heatmap overlays";
    }
    void add_options(CLI::App& sub) override {
        sub.add_option("--workspace", workspace_, "workspace folder")->required();
        sub.add_option("--image", image_, "image file (JPEG, PNG, ...)")->required();
        sub.add_option("--layer", layers_, "layer(s), comma-separated, or all (default)");
        sub.add_option("--top", top_, "features per layer (default 10)")
            ->check(CLI::Range(1, 100000));
        sub.add_option("--features", features_,
                       "maps for these feature indices (comma-separated) instead of the top ones");
        sub.add_option("--out", out_, "folder for the overlay PNGs (none written without it)");
        sub.add_flag("--on-original", on_original_,
                     "draw overlays on the whole original image, not the model's crop");
        sub.add_flag("--no-relevance", no_relevance_, "skip the gradient maps (faster)");
        sub.add_option("--colormap", colormap_, "inferno (default) or viridis")
            ->check(CLI::IsMember({"inferno", "viridis"}));
        sub.add_option("--device", device_, "auto, cpu, cuda or cuda:N");
        sub.add_option("--model", model_, "model file instead of workspace.json's");
        sub.add_option("--metadata", metadata_, "taxoscope.json for a model without one");
        sub.add_flag("--json", json_, "print one JSON object instead of text");
    }

    int run(CliContext& context) override {
        core::InspectorOptions options;
        options.layers = split_commas(layers_);
        options.device = device_;
        options.model = model_;
        options.metadata_file = metadata_;
        std::vector<int64_t> features;
        for (const auto& text : split_commas(features_)) {
            try {
                features.push_back(std::stoll(text));
            } catch (const std::exception&) {
                return context.report({core::ErrorCode::InvalidArgument,
                                       "--features: '" + text + "' is not a feature index"});
            }
        }
        auto inspector = core::WorkspaceInspector::open(workspace_, options);
        if (!inspector) {
            return context.report(inspector.error());
        }
        auto image = inspector->prepare(image_);
        if (!image) {
            return context.report(image.error());
        }
        core::InspectOptions inspect;
        inspect.top = top_;
        inspect.relevance = !no_relevance_;
        auto progress = context.make_progress();
        auto result = inspector->inspect(*image, inspect, features, *progress, context.cancel());
        if (!result) {
            return context.report(result.error());
        }
        auto report = describe(*inspector, *image, *result);
        if (!report) {
            return context.report(report.error());
        }
        if (json_) {
            std::cout << report->dump(2) << '\n';
        } else {
            print_text(*report);
        }
        return 0;
    }

  private:
    // The report as JSON (printed as is with --json, as a table without); writes the PNGs.
    core::Result<nlohmann::json> describe(const core::WorkspaceInspector& inspector,
                                          const core::PreparedImage& image,
                                          const core::ImageInspection& result) const {
        const auto& region = image.region;
        nlohmann::json out = {{"image", image_},
                              {"image_size", {image.original.width, image.original.height}},
                              {"input_size", {result.input_width, result.input_height}},
                              {"region", {region.x, region.y, region.width, region.height}},
                              {"device", result.device},
                              {"skipped_layers", inspector.skipped_layers()},
                              {"notes", inspector.notes()},
                              {"layers", nlohmann::json::array()}};
        for (const auto& layer : result.layers) {
            nlohmann::json entry = {
                {"layer", layer.layer}, {"kind", core::to_string(layer.kind)},
                {"d_sae", layer.d_sae}, {"grid", {layer.grid.rows, layer.grid.cols}},
                {"note", layer.note},   {"features", nlohmann::json::array()}};
            auto add_label = [&](nlohmann::json& item, int64_t feature) {
                if (auto label = inspector.best_node(layer.layer, feature)) {
                    item["best_node"] = {{"index", label->node},
                                         {"id", label->id},
                                         {"name", label->name},
                                         {"f1", label->f1},
                                         {"text", node_text(label)}};
                }
            };
            for (const auto& top : layer.top) {
                nlohmann::json item = {{"feature", top.feature}, {"activation", top.value}};
                add_label(item, top.feature);
                entry["features"].push_back(item);
            }
            entry["maps"] = nlohmann::json::array();
            for (const auto& maps : layer.maps) {
                nlohmann::json item = {{"feature", maps.feature}, {"activation", maps.activation}};
                add_label(item, maps.feature);
                if (!maps.patch.empty()) {
                    item["patch_peak"] = peak_json(maps.patch, layer.grid.cols);
                }
                if (!maps.relevance.empty()) {
                    item["relevance_peak"] = peak_json(maps.relevance, layer.grid.cols);
                }
                if (!out_.empty()) {
                    auto written = write_overlays(image, layer, maps, item);
                    if (!written) {
                        return core::fail(written.error());
                    }
                }
                entry["maps"].push_back(item);
            }
            out["layers"].push_back(entry);
        }
        return out;
    }

    core::Result<void> write_overlays(const core::PreparedImage& image,
                                      const core::LayerInspection& layer,
                                      const core::FeatureMaps& maps, nlohmann::json& item) const {
        const fs::path folder = fs::path(out_) / core::WorkspacePaths::layer_file_stem(layer.layer);
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec) {
            return core::fail(core::ErrorCode::Io,
                              folder.string() + ": cannot create the folder: " + ec.message());
        }
        core::OverlayOptions overlay;
        overlay.colormap =
            colormap_ == "viridis" ? core::HeatColormap::Viridis : core::HeatColormap::Inferno;
        const core::ImageBuffer& base = on_original_ ? image.original : image.view;
        const core::InputRegion region =
            on_original_ ? image.region
                         : core::InputRegion{0.0, 0.0, static_cast<double>(image.view.width),
                                             static_cast<double>(image.view.height)};
        const std::pair<const char*, const std::vector<float>*> kinds[] = {
            {"patch", &maps.patch}, {"relevance", &maps.relevance}};
        for (const auto& [kind, heat] : kinds) {
            if (heat->empty()) {
                continue;
            }
            auto rendered = core::render_heatmap_overlay(base, *heat, layer.grid.rows,
                                                         layer.grid.cols, region, overlay);
            if (!rendered) {
                return core::fail(rendered.error());
            }
            const fs::path png =
                folder / ("f" + std::to_string(maps.feature) + "_" + kind + ".png");
            if (auto ok = core::write_png(png, *rendered); !ok) {
                return ok;
            }
            item[std::string(kind) + "_png"] = png.string();
        }
        return {};
    }

    static void print_text(const nlohmann::json& report) {
        const auto& size = report["image_size"];
        const auto& input = report["input_size"];
        std::printf("%s: %dx%d, model input %dx%d, device %s\n",
                    report["image"].get<std::string>().c_str(), size[0].get<int>(),
                    size[1].get<int>(), input[0].get<int>(), input[1].get<int>(),
                    report["device"].get<std::string>().c_str());
        for (const auto& note : report["notes"]) {
            std::printf("note: %s\n", note.get<std::string>().c_str());
        }
        for (const auto& skipped : report["skipped_layers"]) {
            std::printf("layer %s: no SAE, skipped\n", skipped.get<std::string>().c_str());
        }
        for (const auto& layer : report["layers"]) {
            std::printf("\nlayer %s (%s, %lld features", layer["layer"].get<std::string>().c_str(),
                        layer["kind"].get<std::string>().c_str(),
                        static_cast<long long>(layer["d_sae"].get<int64_t>()));
            if (layer["grid"][0].get<int>() > 0) {
                std::printf(", %dx%d patch grid", layer["grid"][0].get<int>(),
                            layer["grid"][1].get<int>());
            }
            std::printf(")\n");
            if (layer["features"].empty()) {
                std::printf("  no feature fires on this image\n");
            }
            for (const auto& f : layer["features"]) {
                std::printf("  feature %7lld  %10.4f  %s\n",
                            static_cast<long long>(f["feature"].get<int64_t>()),
                            f["activation"].get<double>(),
                            f.contains("best_node")
                                ? f["best_node"]["text"].get<std::string>().c_str()
                                : "-");
            }
            for (const auto& m : layer["maps"]) {
                std::printf("  map of feature %lld:",
                            static_cast<long long>(m["feature"].get<int64_t>()));
                for (const char* kind : {"patch", "relevance"}) {
                    const std::string peak = std::string(kind) + "_peak";
                    if (m.contains(peak)) {
                        std::printf(" %s peak at (%d, %d)", kind, m[peak]["row"].get<int>(),
                                    m[peak]["col"].get<int>());
                    }
                    const std::string png = std::string(kind) + "_png";
                    if (m.contains(png)) {
                        std::printf(" -> %s", m[png].get<std::string>().c_str());
                    }
                }
                std::printf("\n");
            }
            if (!layer["note"].get<std::string>().empty()) {
                std::printf("  no maps: %s\n", layer["note"].get<std::string>().c_str());
            }
        }
    }

    std::string workspace_;
    std::string image_;
    std::string layers_;
    int top_ = 10;
    std::string features_;
    std::string out_;
    bool on_original_ = false;
    bool no_relevance_ = false;
    std::string colormap_ = "inferno";
    std::string device_ = "auto";
    std::string model_;
    std::string metadata_;
    bool json_ = false;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(InspectCommand)

}  // namespace taxoscope::cli
