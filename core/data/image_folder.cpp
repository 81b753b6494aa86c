// Image-folder datasets (ImageNet layout: one sub-folder per class).
#include <algorithm>
#include <cctype>

#include "core/data/dataset.h"

namespace taxoscope::core {
namespace {

bool has_image_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* known : {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}) {
        if (ext == known) {
            return true;
        }
    }
    return false;
}

bool looks_like_wnid(const std::string& name) {
    return name.size() == 9 && name[0] == 'n' &&
           std::all_of(name.begin() + 1, name.end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool hidden(const std::filesystem::path& path) {
    return path.filename().string().rfind('.', 0) == 0;
}

}  // namespace

Result<std::unique_ptr<Dataset>> open_image_folder(const std::filesystem::path& root,
                                                   const ClassList* classes) {
    std::error_code ec;
    std::vector<std::filesystem::path> folders;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
        if (entry.is_directory() && !hidden(entry.path())) {
            folders.push_back(entry.path());
        }
    }
    if (ec) {
        return fail(ErrorCode::Io, root.string() + ": cannot list the folder: " + ec.message());
    }
    std::sort(folders.begin(), folders.end());
    if (folders.empty()) {
        return fail(ErrorCode::NotFound,
                    root.string() + ": no class sub-folders (expected <root>/<class>/<image>)");
    }

    auto dataset = std::make_unique<Dataset>();
    dataset->kind = "folder";
    dataset->source = root.string();
    const bool own_classes = classes == nullptr || classes->empty();
    if (own_classes) {
        dataset->classes.name = "folders";
    } else {
        dataset->classes = *classes;
    }
    for (const auto& folder : folders) {
        const std::string name = folder.filename().string();
        int64_t label = 0;
        if (own_classes) {
            label = static_cast<int64_t>(dataset->classes.entries.size());
            dataset->classes.entries.push_back({looks_like_wnid(name) ? name : "", name});
        } else if (auto found = classes->find(name)) {
            label = *found;
        } else {
            return fail(ErrorCode::NotFound,
                        folder.string() + ": folder name '" + name +
                            "' is neither a wnid nor a class name of the class set '" +
                            classes->name + "'");
        }
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
            if (!entry.is_directory() && !hidden(entry.path()) &&
                has_image_extension(entry.path())) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            dataset->items.push_back({file.string(), label, ""});
        }
    }
    if (dataset->items.empty()) {
        return fail(ErrorCode::NotFound,
                    root.string() + ": no images (.jpg .jpeg .png .webp .bmp .tif) in its " +
                        std::to_string(folders.size()) + " class folder(s)");
    }
    return dataset;
}

}  // namespace taxoscope::core
