// ModelRegistry's part in speculative decoding: a text model's draft_model option resolved to a file, and the
// memory the draft takes beside its model.
#include <filesystem>

#include "engine/model_probe.h"
#include "registry/memory_budget.h"
#include "registry/model_registry.h"
#include "registry/registry_slot.h"

namespace hearth::registry {

Result<std::string> ModelRegistry::draft_path_locked(const CatalogEntry& entry,
                                                     const core::LoadOptions& options) const {
    const std::string name = resolve_text_options(config_.text_defaults, options).draft_model;
    if (name.empty() || entry.info.kind != core::ModelKind::LLM) {
        return std::string();
    }
    std::string path = name;
    if (const Slot* slot = find_locked(name)) {
        if (slot->status.entry.info.kind != core::ModelKind::LLM) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "draft_model '" + name + "' is not a text-generation model",
                              "draft_model");
        }
        path = slot->status.entry.info.path;
    } else if (std::error_code ec; !std::filesystem::is_regular_file(name, ec)) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "draft_model '" + name + "' is neither a configured model nor a model file", "draft_model");
    }
    // A server-wide draft model (hearth serve --draft-model) is no draft of itself.
    std::error_code ec;
    return std::filesystem::equivalent(path, entry.info.path, ec) ? std::string() : path;
}

// The draft's weights, and its KV cache of as many cells as its model's; nothing when it cannot be read (the
// load then fails with the reason).
MemoryNeed ModelRegistry::draft_need_locked(const CatalogEntry& entry, const core::LoadOptions& options,
                                            int64_t n_ctx_total) const {
    auto path = draft_path_locked(entry, options);
    if (!path || path->empty()) {
        return {};
    }
    auto info = engine::probe_model_file(*path);
    if (!info) {
        return {};
    }
    const TextModelOptions resolved = resolve_text_options(config_.text_defaults, options);
    const std::string& device = resolved.draft_device.empty() ? resolved.device : resolved.draft_device;
    return estimate_memory(
        *info, {n_ctx_total, resolved.n_batch, "f16", "f16",
                offloaded_layers(config_.devices, core::ModelKind::LLM, device, resolved.draft_n_gpu_layers)});
}

}  // namespace hearth::registry
