#include "core/data/class_list.h"

#include <algorithm>
#include <cctype>

#include "core/data/text_table.h"

namespace taxoscope::core {
namespace {

bool equal_ignoring_case(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::optional<int64_t> ClassList::find(const std::string& key) const {
    for (size_t i = 0; i < classes.size(); ++i) {
        if (!classes[i].wnid.empty() && classes[i].wnid == key) {
            return static_cast<int64_t>(i);
        }
    }
    for (size_t i = 0; i < classes.size(); ++i) {
        if (classes[i].name == key) {
            return static_cast<int64_t>(i);
        }
    }
    for (size_t i = 0; i < classes.size(); ++i) {
        if (equal_ignoring_case(classes[i].name, key)) {
            return static_cast<int64_t>(i);
        }
    }
    return std::nullopt;
}

Result<ClassList> read_class_list_tsv(const std::filesystem::path& path) {
    auto table = read_text_table(path, '\t');
    if (!table) {
        return fail(table.error());
    }
    const int wnid_col = table->column("wnid");
    const int name_col = table->column("name");
    const int index_col = table->column("index");
    if (wnid_col < 0 && name_col < 0) {
        return fail(ErrorCode::Parse,
                    path.string() + ": the header must name a 'wnid' or a 'name' column");
    }
    ClassList list;
    list.set_name = path.stem().string();
    for (const auto& row : table->rows) {
        if (index_col >= 0 && row.fields[index_col] != std::to_string(list.classes.size())) {
            return fail(ErrorCode::Parse, path.string() + ":" + std::to_string(row.line) +
                                              ": index '" + row.fields[index_col] + "' should be " +
                                              std::to_string(list.classes.size()));
        }
        ClassEntry entry;
        if (wnid_col >= 0) {
            entry.wnid = row.fields[wnid_col];
        }
        if (name_col >= 0) {
            entry.name = row.fields[name_col];
        }
        if (entry.name.empty()) {
            entry.name = entry.wnid;
        }
        list.classes.push_back(std::move(entry));
    }
    if (list.classes.empty()) {
        return fail(ErrorCode::Parse, path.string() + ": lists no classes");
    }
    return list;
}

}  // namespace taxoscope::core
