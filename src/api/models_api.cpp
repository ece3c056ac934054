#include "api/models_api.h"

#include <nlohmann/json.hpp>

#include "api/model_config_json.h"

namespace hearth::api {

using nlohmann::json;

namespace {

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// What a client may ask of the model (Ollama's "capabilities"): a text model with a projector also sees images.
json capabilities(const registry::CatalogEntry& entry) {
    switch (entry.info.kind) {
        case core::ModelKind::LLM:
            return entry.mmproj.empty() ? json{"completion", "chat"} : json{"completion", "chat", "vision"};
        case core::ModelKind::EMBEDDING: return json{"embeddings"};
        case core::ModelKind::RERANK: return json{"rerank"};
        case core::ModelKind::WHISPER: return json{"transcription", "translation"};
        case core::ModelKind::TTS: return json{"speech"};
        default: break;
    }
    return json::array();
}

void add_runtime_stats(const registry::ModelStatus& model, json& out);

json model_object(const registry::ModelStatus& model) {
    const core::ModelFileInfo& info = model.entry.info;
    json out = {
        {"id", model.entry.id},
        {"object", "model"},
        {"created", model.entry.created_unix},
        {"owned_by", "hearth"},
        {"kind", core::to_string(info.kind)},
        {"state", registry::to_string(model.state)},
        {"format", info.format},
        {"architecture", info.architecture},
        {"quantization", info.quantization},
        {"size_bytes", info.size_bytes},
        {"context_length", info.context_length},
        {"embedding_length", info.embedding_length},
        {"has_chat_template", info.has_chat_template},
        {"path", info.path},
        {"capabilities", capabilities(model.entry)},
    };
    if (!model.entry.mmproj.empty()) {
        out["mmproj"] = model.entry.mmproj;
    }
    if (!model.entry.vocoder.empty()) {
        out["vocoder"] = model.entry.vocoder;
    }
    if (!model.voices.empty()) {
        out["voices"] = model.voices;
    }
    out["source"] = model.source;
    if (model.isolated) {
        out["isolated"] = true;  // in a process of its own (docs/scale-out.md)
    }
    if (model.crashes > 0) {
        out["crashes"] = model.crashes;  // its process ended unasked, this many times in a row
    }
    out["options"] = load_options_json(model.options);
    out["memory_bytes"] = model.memory_bytes;
    out["vram_bytes"] = model.vram_bytes;
    out["leases"] = model.leases;
    if (model.state == registry::ModelState::LOADING) {
        out["load_progress"] = model.load_progress;
    }
    if (model.loaded_at_unix > 0) {
        out["loaded_at"] = model.loaded_at_unix;
        out["load_ms"] = model.load_ms;
    }
    if (!model.last_error.empty()) {
        out["last_error"] = model.last_error;
    }
    add_runtime_stats(model, out);
    return out;
}

// A loaded model's scheduler or batcher counters.
void add_runtime_stats(const registry::ModelStatus& model, json& out) {
    if (model.slots) {
        const sched::SchedulerStats& s = *model.slots;
        out["slots"] = {{"total", s.slots_total}, {"busy", s.slots_busy},     {"queued", s.queued},
                        {"finished", s.finished}, {"cancelled", s.cancelled}, {"failed", s.failed}};
        // The draft model as configured (a name or a path); drafted and accepted tokens count prompt lookup's too.
        out["speculative"] = {
            {"draft_model", s.draft_model.empty() ? json(nullptr) : json(s.draft_model)},
            {"draft_tokens", s.draft_tokens},
            {"accepted_tokens", s.draft_accepted},
            {"acceptance_rate",
             s.draft_tokens > 0 ? static_cast<double>(s.draft_accepted) / static_cast<double>(s.draft_tokens) : 0.0}};
        out["prompt_cache"] = {{"entries", s.prompt_cache.entries},
                               {"bytes", s.prompt_cache.bytes},
                               {"saved", s.prompt_cache.saved},
                               {"restored", s.prompt_cache.restored},
                               {"restored_tokens", s.prompt_cache.tokens_restored}};
    }
    if (!model.layer_placement.empty()) {
        // Where llama.cpp put the model's layers (CPU: kept in RAM; RPCn: a remote worker's device).
        json layers = json::object();
        for (const auto& [device, count] : model.layer_placement) {
            layers[device] = count;
        }
        out["placement"] = {{"layers", layers}};
    }
    if (model.embedding) {
        const sched::EmbeddingStats& e = *model.embedding;
        out["embedding"] = {{"queued", e.queued},
                            {"requests", e.jobs},
                            {"inputs", e.inputs},
                            {"batches", e.batches},
                            {"failed", e.failed},
                            {"cache",
                             {{"hits", e.cache_hits},
                              {"misses", e.cache_misses},
                              {"entries", e.cache.entries},
                              {"capacity", e.cache.capacity}}}};
    }
}

}  // namespace

ApiReply models_list_reply(const std::vector<registry::ModelStatus>& models,
                           const std::vector<registry::RejectedFile>& rejected) {
    json data = json::array();
    for (const auto& model : models) {
        data.push_back(model_object(model));
    }
    // Files that look like models but cannot be served, with the reason: an extension beside OpenAI's list.
    json unservable = json::array();
    for (const auto& file : rejected) {
        unservable.push_back({{"path", file.path}, {"reason", file.reason}});
    }
    return ApiReply{200, dump({{"object", "list"}, {"data", data}, {"unservable", unservable}})};
}

ApiReply model_reply(const registry::ModelStatus& model, const std::string& process_status) {
    json out = model_object(model);
    const json process = process_status.empty() ? json() : json::parse(process_status, nullptr, false);
    if (process.is_object()) {
        for (const char* key : {"slots", "speculative", "prompt_cache", "embedding"}) {
            if (process.contains(key) && !out.contains(key)) {
                out[key] = process[key];
            }
        }
    }
    return ApiReply{200, dump(out)};
}

ApiReply health_reply(const std::vector<registry::ModelStatus>& models, const std::string& version,
                      const std::string& status) {
    json ready = json::array();
    json failed = json::object();
    json states = json::object();
    for (const auto& model : models) {
        if (model.state == registry::ModelState::READY) {
            ready.push_back(model.entry.id);
        }
        if (model.state == registry::ModelState::FAILED) {
            failed[model.entry.id] = model.last_error;
        }
        states[model.entry.id] = registry::to_string(model.state);
    }
    // The server itself is up ("ok") whatever its models do; a failed model is named with its reason.
    return ApiReply{
        status == "ok" ? 200 : 503,
        dump({{"status", status}, {"version", version}, {"ready", ready}, {"failed", failed}, {"models", states}})};
}

}  // namespace hearth::api
