// What an SAE is, independent of where its weights came from: architecture, widths, how inputs
// are prepared, and the provenance that `sae-info` reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compute/sae_kernel.h"
#include "core/store/dtype.h"
#include "core/util/error.h"

namespace taxoscope::core {

// The layouts taxoscope reads. Our own is the SAELens layout; the rest are imported.
enum class SaeFormat {
    Taxoscope,           // cfg.json + sae_weights.safetensors, written by taxoscope
    SaeLens,             // the same layout, written by SAELens >= 6.0
    SaeLensLegacy,       // SAELens < 6.0 cfg keys (activation_fn_str, activation_fn_kwargs)
    Sparsify,            // EleutherAI sparsify: cfg.json + sae.safetensors
    DictionaryLearning,  // saprmarks/dictionary_learning: ae.pt + config.json
};

std::string_view to_string(SaeFormat format);

struct SaeConfig {
    Activation architecture = Activation::ReLU;
    int64_t d_in = 0;
    int64_t d_sae = 0;
    int64_t k = 0;  // TopK only
    // Encode x - b_dec instead of x (SAELens' flag; sparsify and dictionary_learning always do).
    bool apply_b_dec_to_input = false;
    // Activation normalisation by a constant: the SAE sees x * activation_scale and its
    // reconstruction is divided by it again. 1 means none.
    double activation_scale = 1.0;
    DType weight_dtype = DType::F32;  // as stored on disk (f32, f16 or bf16)
    SaeFormat source_format = SaeFormat::Taxoscope;
    std::string source_path;  // where it was loaded from (a file or folder)
    // For an SAE in our layout that was imported: the format it came in ("sparsify", ...).
    std::string imported_from;
    std::string hook_name;  // the layer it was trained on, when the file says
    // Things the loader did that a user may want to know (a transposed tensor, a folded scale).
    std::vector<std::string> notes;
    // Written by the trainer: the recipe and the final held-out metrics.
    nlohmann::json training = nlohmann::json::object();
};

// "relu" / "topk" / "jumprelu" as SAELens' cfg.json names them: "standard", "topk", "jumprelu".
std::string_view saelens_architecture_name(Activation architecture);

// cfg.json in our SAELens-compatible layout (what `save_sae` writes).
nlohmann::json config_to_saelens_json(const SaeConfig& config);

// Reads SAELens cfg.json keys, current or pre-6.0 (detected; the result says which). `where`
// names the file in messages. Shapes are checked later against the tensors.
Result<SaeConfig> config_from_saelens_json(const nlohmann::json& json, const std::string& where);

// Human-readable summary for `sae-info` and the GUI, and the same as JSON.
std::string describe(const SaeConfig& config);
nlohmann::json config_summary_json(const SaeConfig& config);

}  // namespace taxoscope::core
