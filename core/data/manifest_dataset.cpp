// Manifest datasets: a TSV/CSV listing image paths with labels and optional splits.
#include <algorithm>
#include <cctype>

#include "core/data/dataset.h"
#include "core/data/text_table.h"

namespace taxoscope::core {
namespace {

bool parse_index(const std::string& text, int64_t& out) {
    if (text.empty() || !std::all_of(text.begin(), text.end(),
                                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return false;
    }
    try {
        out = std::stoll(text);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

Result<int64_t> lookup_class(const std::string& text, const ClassList* classes,
                             const std::string& what) {
    if (classes == nullptr) {
        return fail(ErrorCode::InvalidArgument,
                    what + " '" + text +
                        "' is not a class index; a class set (--classes) is needed to map it");
    }
    auto found = classes->find(text);
    if (!found) {
        return fail(ErrorCode::NotFound,
                    what + " '" + text + "' is not in the class set '" + classes->name + "'");
    }
    return *found;
}

}  // namespace

Result<std::unique_ptr<Dataset>> open_manifest(const std::filesystem::path& manifest,
                                               const ClassList* classes) {
    std::string ext = manifest.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const char delimiter = ext == ".csv" ? ',' : '\t';
    auto table = read_text_table(manifest, delimiter);
    if (!table) {
        return fail(table.error());
    }
    int path_col = table->column("path");
    int label_col = table->column("label");
    int key_col = table->column("wnid") >= 0 ? table->column("wnid") : table->column("class");
    int split_col = table->column("split");
    if (path_col < 0) {
        // No header: the first line is data (path, label[, split]).
        if (table->header.size() < 2 || table->header.size() > 3) {
            return fail(ErrorCode::Parse,
                        manifest.string() +
                            ":1: expected a header with 'path' and 'label' (or 'wnid'/'class') "
                            "columns, or rows of path, label[, split]");
        }
        table->rows.insert(table->rows.begin(), {1, table->header});
        path_col = 0;
        label_col = 1;
        key_col = -1;
        split_col = table->header.size() == 3 ? 2 : -1;
    }
    if (label_col < 0 && key_col < 0) {
        return fail(ErrorCode::Parse, manifest.string() +
                                          ":1: the header names no 'label', 'wnid' or 'class' "
                                          "column");
    }
    const bool have_classes = classes != nullptr && !classes->empty();
    auto dataset = std::make_unique<Dataset>();
    dataset->kind = "manifest";
    dataset->source = manifest.string();
    if (have_classes) {
        dataset->classes = *classes;
    }
    int64_t max_label = -1;
    const auto base = manifest.parent_path();
    for (const auto& row : table->rows) {
        const std::string where = manifest.string() + ":" + std::to_string(row.line);
        DatasetItem item;
        const std::filesystem::path path(row.fields[path_col]);
        if (path.empty()) {
            return fail(ErrorCode::Parse, where + ": empty path");
        }
        item.ref = (path.is_absolute() ? path : base / path).lexically_normal().string();
        // Prefer the index column; wnid/class names need a class list to mean anything.
        const bool by_index = label_col >= 0 && (key_col < 0 || !have_classes);
        const std::string& label_text = row.fields[by_index ? label_col : key_col];
        if (by_index && parse_index(label_text, item.label)) {
            if (have_classes && item.label >= static_cast<int64_t>(classes->size())) {
                return fail(ErrorCode::NotFound, where + ": label " + label_text +
                                                     " is outside the class set '" + classes->name +
                                                     "' (" + std::to_string(classes->size()) +
                                                     " classes)");
            }
        } else {
            // A wnid/class column, or a non-numeric label column: wnids or class names.
            auto found = lookup_class(label_text, have_classes ? classes : nullptr,
                                      where + ": " + (by_index ? "label" : "class"));
            if (!found) {
                return fail(found.error());
            }
            item.label = *found;
        }
        if (split_col >= 0) {
            item.split = row.fields[split_col];
        }
        max_label = std::max(max_label, item.label);
        dataset->items.push_back(std::move(item));
    }
    if (dataset->items.empty()) {
        return fail(ErrorCode::NotFound, manifest.string() + ": lists no images");
    }
    if (!have_classes) {
        // Bare indices: classes are known by number only.
        dataset->classes.name = "indices";
        for (int64_t i = 0; i <= max_label; ++i) {
            dataset->classes.entries.push_back({"", "class " + std::to_string(i)});
        }
    }
    return dataset;
}

}  // namespace taxoscope::core
