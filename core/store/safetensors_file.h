// safetensors files (Hugging Face format): memory-mapped, validated reads and atomic writes.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/store/mapped_file.h"
#include "core/store/tensor_view.h"
#include "core/util/error.h"

namespace taxoscope::core {

class SafetensorsFile {
  public:
    // Validates the header length, the JSON, every dtype and shape, and that each tensor's byte
    // range lies inside the file, matches its shape and overlaps no other tensor.
    static Result<SafetensorsFile> open(const std::filesystem::path& path);

    // Names in file order (by data offset).
    const std::vector<std::string>& names() const { return names_; }
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    // NotFound (listing the available names) when absent.
    Result<TensorView> tensor(const std::string& name) const;
    // "__metadata__": string to string; empty when absent.
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const std::filesystem::path& path() const { return file_->path(); }

  private:
    std::shared_ptr<const MappedFile> file_;
    std::map<std::string, TensorView> tensors_;
    std::vector<std::string> names_;
    std::map<std::string, std::string> metadata_;
};

using NamedTensor = std::pair<std::string, TensorView>;

// Tensors are stored in the given order; the file appears atomically (temp + fsync + rename).
Result<void> write_safetensors(const std::filesystem::path& path,
                               const std::vector<NamedTensor>& tensors,
                               const std::map<std::string, std::string>& metadata = {});

}  // namespace taxoscope::core
