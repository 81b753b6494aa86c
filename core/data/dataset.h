// A labelled list of images in a fixed order; the order is the row order of every output.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/data/image_buffer.h"
#include "core/taxonomy/class_list.h"
#include "core/util/error.h"

namespace taxoscope::core {

struct DatasetItem {
    std::string ref;     // a file path, or "fashion-mnist:<split>:<n>" (see image_ref.h)
    int64_t label = -1;  // index into the dataset's class list
    std::string split;   // "train", "val", "test" or empty
};

class Dataset {
  public:
    virtual ~Dataset() = default;

    std::string kind;    // "folder", "manifest", "fashion-mnist"
    std::string source;  // what the user named
    ClassList classes;
    std::vector<DatasetItem> items;

    size_t size() const { return items.size(); }
    // Decodes item i; thread-safe. The error text is the reason listed in extract_report.tsv.
    virtual Result<ImageBuffer> load(size_t i) const;
    // Keeps only the first n items (n >= size(): no change).
    void truncate(size_t n);
};

// Image folders: `root/<class>/<image>`, one folder per class, named by wnid or class name as
// `classes` has them. Without a class list (nullptr or empty) the sorted folder names become the
// classes. Items are ordered by class folder, then file name. Files with an image extension are
// listed even when empty or corrupt: those fail at load() and are reported, not silently lost.
Result<std::unique_ptr<Dataset>> open_image_folder(const std::filesystem::path& root,
                                                   const ClassList* classes);

// A TSV (or .csv) manifest. With a header: columns `path` and one of `label` (class index),
// `wnid` or `class` (wnid or name), optionally `split`. Without a header: path, label[, split].
// Relative paths are relative to the manifest's folder.
Result<std::unique_ptr<Dataset>> open_manifest(const std::filesystem::path& manifest,
                                               const ClassList* classes);

// "fashion-mnist", "fashion-mnist:train" or "fashion-mnist:test" (all = train then test), read
// from Debian's IDX .gz files. `dir` defaults to /usr/share/datasets/fashion-mnist.
Result<std::unique_ptr<Dataset>> open_fashion_mnist(const std::string& split,
                                                    const std::filesystem::path& dir = {},
                                                    const ClassList* classes = nullptr);

// Dispatches on what `spec` names: "fashion-mnist[:split]", a folder, or a manifest file.
Result<std::unique_ptr<Dataset>> open_dataset(const std::string& spec, const ClassList* classes);

}  // namespace taxoscope::core
