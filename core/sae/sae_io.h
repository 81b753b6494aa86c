// Loading any supported SAE layout, and writing our own (SAELens layout, atomically).
#pragma once

#include <filesystem>

#include "core/sae/sae_formats.h"

namespace taxoscope::core {

// Which layout a folder (or one of its files) holds, and the folder itself.
struct LocatedSae {
    SaeFormat format = SaeFormat::Taxoscope;  // Taxoscope stands for the SAELens layout here
    std::filesystem::path folder;
};

// `path` is an SAE folder or a file in one (cfg.json, sae_weights.safetensors, sae.safetensors,
// ae.pt). NotFound, listing what was looked for, when nothing matches.
Result<LocatedSae> locate_sae(const std::filesystem::path& path);

Result<Sae> load_sae(const std::filesystem::path& path, const SaeLoadOptions& options = {});

// Writes folder/cfg.json and folder/sae_weights.safetensors (weights in config().weight_dtype),
// each atomically; creates the folder.
Result<void> save_sae(const std::filesystem::path& folder, const Sae& sae);

inline constexpr const char* kSaeConfigFile = "cfg.json";
inline constexpr const char* kSaeWeightsFile = "sae_weights.safetensors";
inline constexpr const char* kTrainingLogFile = "training_log.jsonl";

}  // namespace taxoscope::core
