#include <ATen/ATen.h>

#include "core/sae/sae_training_state_torch.h"
#include "core/store/safetensors_file.h"
#include "core/store/tensor_view_torch.h"

namespace taxoscope::core {
namespace {

// Tensor names in the checkpoint, with where each lives in the state.
std::vector<std::pair<std::string, at::Tensor*>> state_tensors(TrainingState& s) {
    return {
        {"W_enc", &s.params.w_enc},
        {"W_dec", &s.params.w_dec},
        {"b_enc", &s.params.b_enc},
        {"b_dec", &s.params.b_dec},
        {"adam_m.W_enc", &s.adam.m.w_enc},
        {"adam_m.W_dec", &s.adam.m.w_dec},
        {"adam_m.b_enc", &s.adam.m.b_enc},
        {"adam_m.b_dec", &s.adam.m.b_dec},
        {"adam_v.W_enc", &s.adam.v.w_enc},
        {"adam_v.W_dec", &s.adam.v.w_dec},
        {"adam_v.b_enc", &s.adam.v.b_enc},
        {"adam_v.b_dec", &s.adam.v.b_dec},
        {"steps_since_fired", &s.steps_since_fired},
    };
}

}  // namespace

Result<void> save_checkpoint(const std::filesystem::path& path, const TrainingState& state,
                             const TrainingRng& rng, const BlockSampler& sampler,
                             const nlohmann::json& fingerprint) {
    auto& s = const_cast<TrainingState&>(state);  // views only; nothing is written to it
    std::vector<at::Tensor> keep;
    std::vector<NamedTensor> tensors;
    for (const auto& [name, tensor] : state_tensors(s)) {
        keep.push_back(tensor->contiguous());
        auto view = view_of(keep.back());
        if (!view) {
            return fail(view.error());
        }
        tensors.emplace_back(name, *view);
    }
    const std::vector<int64_t>& order = sampler.order();
    tensors.emplace_back(
        "sampler_order",
        TensorView{order.data(), DType::I64, {static_cast<int64_t>(order.size())}});
    std::string log;
    for (const auto& line : state.log_lines) {
        log += line + "\n";
    }
    const std::map<std::string, std::string> metadata = {
        {"fingerprint", fingerprint.dump()},
        {"step", std::to_string(state.step)},
        {"adam_t", std::to_string(state.adam.t)},
        {"rng", rng.state()},
        {"sampler_cursor", std::to_string(sampler.cursor())},
        {"sampler_offset", std::to_string(sampler.offset())},
        {"log", log},
    };
    return write_safetensors(path, tensors, metadata);
}

Result<void> load_checkpoint(const std::filesystem::path& path, const nlohmann::json& fingerprint,
                             TrainingState& state, TrainingRng& rng, BlockSampler& sampler) {
    auto file = SafetensorsFile::open(path);
    if (!file) {
        return fail(file.error());
    }
    const auto& meta = file->metadata();
    for (const char* key :
         {"fingerprint", "step", "adam_t", "rng", "sampler_cursor", "sampler_offset", "log"}) {
        if (meta.count(key) == 0) {
            return fail(ErrorCode::Parse,
                        path.string() + ": not a taxoscope training checkpoint (no '" + key + "')");
        }
    }
    nlohmann::json stored;
    try {
        stored = nlohmann::json::parse(meta.at("fingerprint"));
    } catch (const nlohmann::json::exception&) {
        return fail(ErrorCode::Parse, path.string() + ": damaged fingerprint");
    }
    if (stored != fingerprint) {
        return fail(ErrorCode::InvalidArgument,
                    path.string() + ": this checkpoint belongs to a run with other settings (" +
                        stored.dump() +
                        "); resume with the same options, or delete it to start "
                        "over");
    }
    for (const auto& [name, target] : state_tensors(state)) {
        auto view = file->tensor(name);
        if (!view) {
            return fail(view.error());
        }
        const at::Tensor loaded = to_torch(*view).clone();
        if (target->defined() && loaded.sizes() != target->sizes()) {
            return fail(ErrorCode::ShapeMismatch, path.string() + ": tensor '" + name +
                                                      "' has shape " +
                                                      shape_to_string(view->shape));
        }
        *target = loaded;
    }
    auto order_view = file->tensor("sampler_order");
    if (!order_view || order_view->dtype != DType::I64 || order_view->shape.size() != 1) {
        return fail(ErrorCode::Parse, path.string() + ": damaged 'sampler_order'");
    }
    std::vector<int64_t> order(order_view->as<int64_t>(),
                               order_view->as<int64_t>() + order_view->numel());
    try {
        state.step = std::stoll(meta.at("step"));
        state.adam.t = std::stoll(meta.at("adam_t"));
        if (auto ok = sampler.restore(std::move(order), std::stoll(meta.at("sampler_cursor")),
                                      std::stoll(meta.at("sampler_offset")));
            !ok) {
            return fail(ok.error().with_context(path.string()));
        }
    } catch (const std::exception&) {
        return fail(ErrorCode::Parse, path.string() + ": damaged step counters");
    }
    if (auto ok = rng.restore(meta.at("rng")); !ok) {
        return fail(ok.error().with_context(path.string()));
    }
    state.log_lines.clear();
    const std::string& log = meta.at("log");
    size_t start = 0;
    for (size_t end = log.find('\n'); end != std::string::npos; end = log.find('\n', start)) {
        state.log_lines.push_back(log.substr(start, end - start));
        start = end + 1;
    }
    return {};
}

}  // namespace taxoscope::core
