#include "core/analysis/analysis_file.h"

#include <cmath>
#include <limits>

#include "core/store/atomic_file.h"
#include "core/store/safetensors_file.h"

namespace taxoscope::core {
namespace {

using json = nlohmann::json;

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
    return DType::F32;
}
template <>
constexpr DType dtype_of<double>() {
    return DType::F64;
}
template <>
constexpr DType dtype_of<int32_t>() {
    return DType::I32;
}
template <>
constexpr DType dtype_of<int64_t>() {
    return DType::I64;
}

// NaN as null (JSON has no NaN), and back.
json number_or_null(double value) {
    return std::isnan(value) ? json(nullptr) : json(value);
}

double number_from(const json& value) {
    return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

json numbers_or_null(const std::vector<double>& values) {
    json out = json::array();
    for (double v : values) {
        out.push_back(number_or_null(v));
    }
    return out;
}

std::vector<double> numbers_from(const json& values) {
    std::vector<double> out;
    if (values.is_array()) {
        for (const json& v : values) {
            out.push_back(number_from(v));
        }
    }
    return out;
}

// The tensors of a layer file with their shapes, in file order.
class TensorList {
  public:
    template <typename T>
    void add(const char* name, const std::vector<T>& values, std::vector<int64_t> shape) {
        tensors_.push_back({name, TensorView{values.data(), dtype_of<T>(), std::move(shape)}});
        sizes_.push_back(values.size());
    }

    Result<void> check_sizes(const std::filesystem::path& path) const {
        for (size_t i = 0; i < tensors_.size(); ++i) {
            const TensorView& t = tensors_[i].second;
            if (static_cast<size_t>(t.numel()) != sizes_[i]) {
                return fail(ErrorCode::ShapeMismatch,
                            path.string() + ": tensor '" + tensors_[i].first + "' has " +
                                std::to_string(sizes_[i]) + " values for shape " +
                                shape_to_string(t.shape));
            }
        }
        return {};
    }

    const std::vector<NamedTensor>& tensors() const { return tensors_; }

  private:
    std::vector<NamedTensor> tensors_;
    std::vector<size_t> sizes_;
};

TensorList layer_tensors(const LayerAnalysis& a) {
    const int64_t d = a.d_sae;
    TensorList t;
    t.add("topk_values", a.topk_values, {d, a.k});
    t.add("topk_indices", a.topk_indices, {d, a.k});
    t.add("fire_count", a.fire_count, {d});
    t.add("act_sum", a.act_sum, {d});
    t.add("act_sq_sum", a.act_sq_sum, {d});
    t.add("act_max", a.act_max, {d});
    t.add("hist", a.hist, {d, a.bins});
    t.add("hist_edges", a.hist_edges, {a.bins + 1});
    t.add("class_fire", a.class_fire, {a.classes, d});
    t.add("class_sum", a.class_sum, {a.classes, d});
    t.add("class_size", a.class_size, {a.classes});
    t.add("best_node", a.best_node, {d});
    t.add("best_f1", a.best_f1, {d});
    t.add("lch_node", a.lch_node, {d});
    t.add("lch_height", a.lch_height, {d});
    t.add("robust_lch_node", a.robust_lch_node, {d});
    t.add("node_best_feature", a.node_best_feature, {a.nodes});
    t.add("node_best_f1", a.node_best_f1, {a.nodes});
    t.add("node_best_feature_baseline", a.node_best_feature_baseline, {a.nodes});
    t.add("node_best_f1_baseline", a.node_best_f1_baseline, {a.nodes});
    return t;
}

class TensorReader {
  public:
    explicit TensorReader(const SafetensorsFile& file) : file_(file) {}

    // The tensor's shape, checking its rank.
    Result<std::vector<int64_t>> shape(const std::string& name, size_t rank) const {
        auto t = file_.tensor(name);
        if (!t) {
            return fail(t.error());
        }
        if (t->shape.size() != rank) {
            return fail(ErrorCode::ShapeMismatch, where(name) + " has shape " +
                                                      shape_to_string(t->shape) + ", expected " +
                                                      std::to_string(rank) + " dimensions");
        }
        return t->shape;
    }

    template <typename T>
    Result<void> read(const std::string& name, const std::vector<int64_t>& shape,
                      std::vector<T>& out) const {
        auto t = file_.tensor(name);
        if (!t) {
            return fail(t.error());
        }
        if (t->dtype != dtype_of<T>()) {
            return fail(ErrorCode::Parse, where(name) + " is " + std::string(dtype_name(t->dtype)) +
                                              ", expected " +
                                              std::string(dtype_name(dtype_of<T>())));
        }
        if (t->shape != shape) {
            return fail(ErrorCode::ShapeMismatch, where(name) + " has shape " +
                                                      shape_to_string(t->shape) + ", expected " +
                                                      shape_to_string(shape));
        }
        out.assign(t->as<T>(), t->as<T>() + t->numel());
        return {};
    }

  private:
    std::string where(const std::string& name) const {
        return file_.path().string() + ": tensor '" + name + "'";
    }
    const SafetensorsFile& file_;
};

}  // namespace

json LayerSummary::to_json() const {
    return {{"layer", layer},
            {"rows", rows},
            {"d_sae", d_sae},
            {"probe_acc", number_or_null(probe_acc)},
            {"probe_train_rows", probe_train_rows},
            {"probe_test_rows", probe_test_rows},
            {"probe_split", probe_split_from_table ? "images.tsv" : "seeded 80/20"},
            {"fvu", number_or_null(fvu)},
            {"l0", number_or_null(l0)},
            {"dead_frac", number_or_null(dead_frac)},
            {"coverage", number_or_null(coverage)},
            {"coverage_baseline", number_or_null(coverage_baseline)},
            {"coverage_by_height", numbers_or_null(coverage_by_height)},
            {"coverage_baseline_by_height", numbers_or_null(coverage_baseline_by_height)},
            {"nontrivial_nodes_by_height", nontrivial_nodes_by_height},
            {"parameters", parameters}};
}

Result<LayerSummary> LayerSummary::from_json(const json& j, const std::string& where) {
    if (!j.is_object()) {
        return fail(ErrorCode::Parse, where + ": a layer entry is not an object");
    }
    try {
        LayerSummary s;
        s.layer = j.at("layer").get<std::string>();
        s.rows = j.value("rows", int64_t{0});
        s.d_sae = j.value("d_sae", int64_t{0});
        s.probe_acc = number_from(j.value("probe_acc", json()));
        s.probe_train_rows = j.value("probe_train_rows", int64_t{0});
        s.probe_test_rows = j.value("probe_test_rows", int64_t{0});
        s.probe_split_from_table = j.value("probe_split", std::string()) != "seeded 80/20";
        s.fvu = number_from(j.value("fvu", json()));
        s.l0 = number_from(j.value("l0", json()));
        s.dead_frac = number_from(j.value("dead_frac", json()));
        s.coverage = number_from(j.value("coverage", json()));
        s.coverage_baseline = number_from(j.value("coverage_baseline", json()));
        s.coverage_by_height = numbers_from(j.value("coverage_by_height", json()));
        s.coverage_baseline_by_height =
            numbers_from(j.value("coverage_baseline_by_height", json()));
        s.nontrivial_nodes_by_height =
            j.value("nontrivial_nodes_by_height", std::vector<int64_t>{});
        s.parameters = j.value("parameters", json::object());
        return s;
    } catch (const json::exception& e) {
        return fail(ErrorCode::Parse, where + ": " + e.what());
    }
}

Result<void> write_layer_analysis(const std::filesystem::path& path, const LayerAnalysis& a) {
    const TensorList tensors = layer_tensors(a);
    if (auto ok = tensors.check_sizes(path); !ok) {
        return ok;
    }
    std::map<std::string, std::string> metadata = a.metadata;
    metadata["format"] = kAnalysisFormat;
    metadata["version"] = std::to_string(kAnalysisVersion);
    return write_safetensors(path, tensors.tensors(), metadata);
}

Result<std::map<std::string, std::string>> read_layer_analysis_metadata(
    const std::filesystem::path& path) {
    auto file = SafetensorsFile::open(path);
    if (!file) {
        return fail(file.error());
    }
    const auto& metadata = file->metadata();
    auto format = metadata.find("format");
    if (format == metadata.end() || format->second != kAnalysisFormat) {
        return fail(ErrorCode::Parse,
                    path.string() + ": not a taxoscope analysis file (metadata 'format' is not '" +
                        kAnalysisFormat + "')");
    }
    auto version = metadata.find("version");
    if (version == metadata.end() || version->second != std::to_string(kAnalysisVersion)) {
        return fail(ErrorCode::Unsupported,
                    path.string() + ": analysis file version " +
                        (version == metadata.end() ? std::string("(none)") : version->second) +
                        ", this build reads " + std::to_string(kAnalysisVersion));
    }
    return metadata;
}

Result<LayerAnalysis> load_layer_analysis(const std::filesystem::path& path) {
    auto metadata = read_layer_analysis_metadata(path);
    if (!metadata) {
        return fail(metadata.error());
    }
    auto file = SafetensorsFile::open(path);
    if (!file) {
        return fail(file.error());
    }
    LayerAnalysis a;
    a.metadata = *metadata;
    TensorReader reader(*file);
    auto topk = reader.shape("topk_values", 2);
    auto hist = reader.shape("hist", 2);
    auto classes = reader.shape("class_size", 1);
    auto nodes = reader.shape("node_best_f1", 1);
    for (const auto* shape : {&topk, &hist, &classes, &nodes}) {
        if (!*shape) {
            return fail(shape->error());
        }
    }
    a.d_sae = (*topk)[0];
    a.k = (*topk)[1];
    a.bins = (*hist)[1];
    a.classes = (*classes)[0];
    a.nodes = (*nodes)[0];
    const int64_t d = a.d_sae;
    Result<void> ok;
    auto step = [&](auto&&... args) {
        if (ok) {
            ok = reader.read(args...);
        }
    };
    step("topk_values", std::vector<int64_t>{d, a.k}, a.topk_values);
    step("topk_indices", std::vector<int64_t>{d, a.k}, a.topk_indices);
    step("fire_count", std::vector<int64_t>{d}, a.fire_count);
    step("act_sum", std::vector<int64_t>{d}, a.act_sum);
    step("act_sq_sum", std::vector<int64_t>{d}, a.act_sq_sum);
    step("act_max", std::vector<int64_t>{d}, a.act_max);
    step("hist", std::vector<int64_t>{d, a.bins}, a.hist);
    step("hist_edges", std::vector<int64_t>{a.bins + 1}, a.hist_edges);
    step("class_fire", std::vector<int64_t>{a.classes, d}, a.class_fire);
    step("class_sum", std::vector<int64_t>{a.classes, d}, a.class_sum);
    step("class_size", std::vector<int64_t>{a.classes}, a.class_size);
    step("best_node", std::vector<int64_t>{d}, a.best_node);
    step("best_f1", std::vector<int64_t>{d}, a.best_f1);
    step("lch_node", std::vector<int64_t>{d}, a.lch_node);
    step("lch_height", std::vector<int64_t>{d}, a.lch_height);
    step("robust_lch_node", std::vector<int64_t>{d}, a.robust_lch_node);
    step("node_best_feature", std::vector<int64_t>{a.nodes}, a.node_best_feature);
    step("node_best_f1", std::vector<int64_t>{a.nodes}, a.node_best_f1);
    step("node_best_feature_baseline", std::vector<int64_t>{a.nodes}, a.node_best_feature_baseline);
    step("node_best_f1_baseline", std::vector<int64_t>{a.nodes}, a.node_best_f1_baseline);
    if (!ok) {
        return fail(ok.error());
    }
    return a;
}

Result<AnalysisSummary> read_analysis_summary(const std::filesystem::path& path) {
    auto j = read_json_file(path);
    if (!j) {
        return fail(j.error());
    }
    const std::string where = path.string();
    // A wrongly typed key must be an error, not an exception from json::value.
    const bool tagged = j->is_object() && j->contains("format") && (*j)["format"].is_string() &&
                        (*j)["format"].get<std::string>() == kAnalysisSummaryFormat;
    if (!tagged) {
        return fail(ErrorCode::Parse, where +
                                          ": not a taxoscope analysis summary (format is not '" +
                                          kAnalysisSummaryFormat + "')");
    }
    const json layers = j->value("layers", json::object());
    if (!layers.is_object()) {
        return fail(ErrorCode::Parse, where + ": 'layers' is not an object");
    }
    AnalysisSummary out;
    for (const auto& [name, entry] : layers.items()) {
        auto layer = LayerSummary::from_json(entry, where + ", layer " + name);
        if (!layer) {
            return fail(layer.error());
        }
        out.layers[name] = std::move(*layer);
    }
    for (const auto& [key, value] : j->items()) {
        if (key != "format" && key != "version" && key != "layers") {
            out.extra[key] = value;
        }
    }
    return out;
}

namespace {

AnalysisSummary read_summary_or_empty(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        if (auto existing = read_analysis_summary(path)) {
            return std::move(*existing);
        }
    }
    return {};
}

Result<void> write_summary(const std::filesystem::path& path, const AnalysisSummary& summary) {
    json layers = json::object();
    for (const auto& [name, entry] : summary.layers) {
        layers[name] = entry.to_json();
    }
    json out = summary.extra;
    out["format"] = kAnalysisSummaryFormat;
    out["version"] = kAnalysisVersion;
    out["layers"] = layers;
    const std::string text = out.dump(2) + "\n";
    // Unchanged content is not rewritten, so a rerun that skips every layer touches no file.
    if (auto existing = read_text_file(path); existing && *existing == text) {
        return {};
    }
    return write_file_atomic(path, text);
}

}  // namespace

Result<void> update_analysis_summary(const std::filesystem::path& path, const LayerSummary& layer) {
    AnalysisSummary summary = read_summary_or_empty(path);
    summary.layers[layer.layer] = layer;
    return write_summary(path, summary);
}

Result<void> set_analysis_summary_entry(const std::filesystem::path& path, const std::string& key,
                                        const nlohmann::json& value) {
    if (key == "format" || key == "version" || key == "layers") {
        return fail(ErrorCode::InvalidArgument,
                    "'" + key + "' is summary.json's own key, not an entry to set");
    }
    AnalysisSummary summary = read_summary_or_empty(path);
    summary.extra[key] = value;
    return write_summary(path, summary);
}

}  // namespace taxoscope::core
