// ModelRegistry's lifecycle transitions: load (within the memory budget), lease, unload, keep-alive.

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "registry/memory_budget.h"
#include "registry/model_registry.h"
#include "registry/registry_slot.h"
#include "util/log.h"
#include "util/process_info.h"

namespace hearth::registry {

namespace {

bool servable(core::ModelKind kind) {
    return kind == core::ModelKind::LLM || kind == core::ModelKind::EMBEDDING || kind == core::ModelKind::RERANK ||
           kind == core::ModelKind::WHISPER || kind == core::ModelKind::TTS;
}

std::string kind_name(core::ModelKind kind) {
    switch (kind) {
        case core::ModelKind::LLM: return "a text-generation model";
        case core::ModelKind::EMBEDDING: return "an embedding model";
        case core::ModelKind::RERANK: return "a rerank model";
        case core::ModelKind::WHISPER: return "a whisper (speech-to-text) model";
        case core::ModelKind::TTS: return "a text-to-speech model";
        default: return "a " + std::string(core::to_string(kind)) + " model";
    }
}

// The model's kind against what the caller needs (nullopt: anything this server can load).
Result<void> check_kind(const std::string& id, core::ModelKind kind, std::optional<core::ModelKind> wanted) {
    if (wanted && kind != *wanted) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "The model '" + id + "' is " + kind_name(kind) + ", not " + kind_name(*wanted), "model");
    }
    if (!servable(kind)) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "The model '" + id + "' is " + kind_name(kind) + "; this server cannot load those yet",
                          "model");
    }
    return {};
}

// Names the pool that is short (the one the busy models and the need overflow), what the model needs
// there, the budget and who holds the rest.
std::string refusal_message(const std::string& id, const MemorySplit& need, const MemorySplit& budget,
                            const std::vector<ResidentModel>& resident) {
    MemorySplit used;
    MemorySplit busy;
    std::string holders;
    for (const auto& r : resident) {
        used.ram += r.bytes.ram;
        used.vram += r.bytes.vram;
        busy.ram += r.idle ? 0 : r.bytes.ram;
        busy.vram += r.idle ? 0 : r.bytes.vram;
        holders += (holders.empty() ? "" : ", ") + r.id + (r.idle ? "" : " (busy)");
    }
    const bool gpu = budget.vram != 0 && busy.vram + need.vram > budget.vram;
    const std::string pool = gpu ? "GPU memory" : "memory";
    return "The model '" + id + "' needs about " + format_bytes(gpu ? need.vram : need.ram) + " of " + pool + "; the " +
           pool + " budget is " + format_bytes(gpu ? budget.vram : budget.ram) + " and " +
           format_bytes(gpu ? used.vram : used.ram) + " of it is held by " + (holders.empty() ? "nothing" : holders);
}

int64_t keep_alive_of(const core::LoadOptions& options, int64_t fallback) {
    return options.keep_alive_s.value_or(fallback);
}

}  // namespace

Result<ModelLease> ModelRegistry::ensure_loaded(std::unique_lock<std::mutex>& lock, const std::string& id,
                                                std::optional<core::ModelKind> kind, const core::LoadOptions* overrides,
                                                bool explicit_load) {
    Slot* slot = find_locked(id);
    if (slot == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' does not exist", "model");
    }
    if (auto ok = check_kind(id, slot->status.entry.info.kind, kind); !ok) {
        return ok.error();
    }
    // Another caller is loading or unloading it: wait for that rather than starting a second load.
    const auto busy = [&] {
        slot = find_locked(id);
        return slot != nullptr &&
               (slot->status.state == ModelState::LOADING || slot->status.state == ModelState::UNLOADING);
    };
    if (!state_changed_.wait_for(lock, config_.load_wait, [&] { return !busy(); })) {
        return make_error(ErrorCode::MODEL_NOT_READY, "The model '" + id + "' is still loading; try again shortly");
    }
    if (slot == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
    }
    if (const std::string error = slot->status.state == ModelState::READY ? slot->failure() : ""; !error.empty()) {
        drop_broken_locked(lock, *slot, error);  // and load it again below
        if ((slot = find_locked(id)) == nullptr) {
            return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
        }
    }
    const core::LoadOptions wanted =
        overrides != nullptr ? core::overlay(slot->spec.options, *overrides) : slot->status.options;
    if (slot->status.state == ModelState::READY && slot->loaded()) {
        if (!explicit_load || wanted == slot->status.options) {
            return lease_locked(*slot);
        }
        drop_locked(lock, *slot, ModelState::UNLOADED);  // reload with the new options
        if ((slot = find_locked(id)) == nullptr) {
            return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
        }
    }
    if (auto refused = load_refusal_locked(*slot, explicit_load)) {
        return *refused;
    }
    auto draft_path = draft_path_locked(slot->status.entry, wanted);
    if (!draft_path) {
        return fail_before_load_locked(*slot, wanted, draft_path.error());
    }
    return load_locked(lock, *slot, wanted, *draft_path);
}

std::optional<Error> ModelRegistry::load_refusal_locked(const Slot& slot, bool explicit_load) const {
    const std::string& id = slot.status.entry.id;
    if (!explicit_load && slot.status.crashes > 0 && steady_now_ms() < slot.restart_at_ms) {
        return make_error(ErrorCode::MODEL_NOT_READY,
                          "The model '" + id + "' crashed " + std::to_string(slot.status.crashes) +
                              " times in a row; it restarts in " +
                              std::to_string((slot.restart_at_ms - steady_now_ms() + 999) / 1000) +
                              " s (or now: POST /v1/models/" + id + "/load). " + slot.status.last_error);
    }
    if (!slot.probed) {
        return make_error(ErrorCode::MODEL_NOT_READY,
                          "The model '" + id + "' cannot be loaded: " + slot.status.last_error);
    }
    if (!explicit_load && !config_.autoload) {
        return make_error(ErrorCode::MODEL_NOT_READY,
                          "The model '" + id + "' is not loaded (autoload is off: POST /v1/models/" + id + "/load)");
    }
    return std::nullopt;
}

Result<ModelLease> ModelRegistry::load_model(const CatalogEntry& entry, const core::LoadOptions& options,
                                             const MemoryNeed& need, const std::string& draft_path) {
    const std::string id = entry.id;
    ModelLease loaded;
    const auto progress = [this, id](float done) {
        std::lock_guard progress_lock(mutex_);
        if (Slot* s = find_locked(id)) {
            s->status.load_progress = done;
        }
    };
    if (runs_isolated(entry, options, config_.isolate)) {
        if (!config_.launch_isolated) {
            return make_error(ErrorCode::UNSUPPORTED, "this server cannot run models isolated");
        }
        core::LoadOptions launched = options;
        launched.draft_model = draft_path;  // the file, resolved here: the process knows no other model; "": none
        auto isolated = config_.launch_isolated(entry, launched, progress);
        if (!isolated) {
            return isolated.error();
        }
        loaded.isolated = std::move(*isolated);
        return loaded;
    }
    if (entry.info.kind == core::ModelKind::LLM) {
        TextModelOptions text_options = resolve_text_options(config_.text_defaults, options);
        text_options.prompt_cache_mib = static_cast<int64_t>((need.host_cache + (1 << 20) - 1) >> 20);
        text_options.mmproj = entry.mmproj;
        text_options.draft_path = draft_path;
        auto text = TextModel::load(entry.info.path, text_options, progress, config_.wrap_text_engine);
        if (!text) {
            return text.error();
        }
        loaded.text = std::move(*text);
        return loaded;
    }
    if (entry.info.kind == core::ModelKind::TTS) {
        return load_voice(entry, options, need);
    }
    if (entry.info.kind == core::ModelKind::WHISPER) {
        SpeechModelOptions speech_options = config_.speech_defaults;
        speech_options.n_threads = options.n_threads.value_or(speech_options.n_threads);
        auto speech = SpeechModel::load(entry.info.path, speech_options);
        if (!speech) {
            return speech.error();
        }
        loaded.speech = std::move(*speech);
        return loaded;
    }
    EmbeddingModelOptions embedding_options = config_.embedding_defaults;
    embedding_options.n_threads = options.n_threads.value_or(embedding_options.n_threads);
    // The path scopes the cache too: a different file under the same name never answers from the old one.
    auto embedding = EmbeddingModel::load(id + "\n" + entry.info.path, entry.info.path, embedding_options, cache_);
    if (!embedding) {
        return embedding.error();
    }
    loaded.embedding = std::move(*embedding);
    return loaded;
}

Result<ModelLease> ModelRegistry::load_voice(const CatalogEntry& entry, const core::LoadOptions& options,
                                             const MemoryNeed& need) {
    ModelLease loaded;
    VoiceModelOptions voice_options = config_.voice_defaults;
    voice_options.n_threads = options.n_threads.value_or(voice_options.n_threads);
    auto voice = Result<std::shared_ptr<VoiceModel>>(make_error(ErrorCode::INTERNAL, "not loaded"));
    if (entry.info.format == "builtin") {
        voice = VoiceModel::load_builtin(voice_options);
    } else {
        TextModelOptions text_options = resolve_text_options(config_.text_defaults, options);
        text_options.prompt_cache_mib = static_cast<int64_t>((need.host_cache + (1 << 20) - 1) >> 20);
        const std::string id = entry.id;
        voice = VoiceModel::load_outetts(entry, text_options, voice_options, [this, id](float progress) {
            std::lock_guard progress_lock(mutex_);
            if (Slot* s = find_locked(id)) {
                s->status.load_progress = progress;
            }
        });
    }
    if (!voice) {
        return voice.error();
    }
    loaded.voice = std::move(*voice);
    return loaded;
}

// A load refused before it started fails as one that started would: the status says why.
Error ModelRegistry::fail_before_load_locked(Slot& slot, const core::LoadOptions& options, const Error& why) {
    slot.status.state = ModelState::FAILED;
    slot.status.last_error = why.message;
    state_changed_.notify_all();
    const ErrorCode code = options != slot.spec.options ? ErrorCode::INVALID_ARGUMENT : ErrorCode::MODEL_NOT_READY;
    return make_error(code, "The model '" + slot.status.entry.id + "' failed to load: " + why.message);
}

// Loads with the lock released (a load takes seconds; other models keep serving), then publishes the result.
Result<ModelLease> ModelRegistry::load_locked(std::unique_lock<std::mutex>& lock, Slot& slot,
                                              const core::LoadOptions& options, const std::string& draft_path) {
    const std::string id = slot.status.entry.id;
    const std::string path = slot.status.entry.info.path;
    const core::LoadOptions fitted = fit_gpu_layers_locked(slot.status.entry, options);
    const MemoryNeed need = need_of(slot.status.entry, fitted);
    const ModelState before = slot.status.state;
    slot.status.state = ModelState::LOADING;  // reserves the model: no second load starts meanwhile
    if (auto room = make_room_locked(lock, id, need); !room) {
        if (Slot* now = find_locked(id)) {
            now->status.state = before;
        }
        state_changed_.notify_all();
        return room.error();
    }
    Slot* now = find_locked(id);
    if (now == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
    }
    now->status.options = options;
    now->status.load_progress = 0;
    now->status.memory_bytes = need.total();
    now->status.vram_bytes = need.vram;
    const CatalogEntry entry = now->status.entry;  // a copy: the slot may change while the lock is released
    lock.unlock();
    log::info("loading model {} from {} (about {}, {} of it on the GPU)", id, path, format_bytes(need.total()),
              format_bytes(need.vram));
    if (config_.before_load) {
        config_.before_load(id);
    }
    const auto start = std::chrono::steady_clock::now();
    auto loaded = load_model(entry, fitted, need, draft_path);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    lock.lock();
    now = find_locked(id);
    if (now == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed while loading", "model");
    }
    state_changed_.notify_all();
    if (!loaded) {
        return fail_load_locked(*now, loaded.error(), options, runs_isolated(entry, fitted, config_.isolate));
    }
    now->isolated = std::move(loaded->isolated);
    now->text = std::move(loaded->text);
    now->embedding = std::move(loaded->embedding);
    now->speech = std::move(loaded->speech);
    now->voice = std::move(loaded->voice);
    now->status.state = ModelState::READY;
    now->status.last_error.clear();
    now->status.load_progress = 1;
    now->status.load_ms = ms;
    now->status.loaded_at_unix = static_cast<int64_t>(std::time(nullptr));
    return lease_locked(*now);
}

MemoryNeed ModelRegistry::need_of(const CatalogEntry& entry, const core::LoadOptions& options) const {
    const TextModelOptions resolved = resolve_text_options(config_.text_defaults, options);
    const auto ctx_cap = static_cast<int64_t>(entry.info.context_length);
    const int64_t n_ctx = ctx_cap > 0 ? std::min<int64_t>(resolved.n_ctx_per_slot, ctx_cap) : resolved.n_ctx_per_slot;
    // An OuteTTS model is a text model (its language model) plus its vocoder; the built-in voices have no file.
    const bool text = entry.info.kind == core::ModelKind::LLM ||
                      (entry.info.kind == core::ModelKind::TTS && entry.info.format == "gguf");
    MemoryNeed need = estimate_memory(
        entry.info, {text ? n_ctx * resolved.n_slots : n_ctx, resolved.n_batch, resolved.type_k, resolved.type_v,
                     offloaded_layers(config_.devices, entry.info.kind, resolved.device, resolved.n_gpu_layers)});
    if (text && !entry.mmproj.empty()) {
        std::error_code ec;
        const uintmax_t projector = std::filesystem::file_size(entry.mmproj, ec);
        need.weights +=
            ec ? 0 : static_cast<uint64_t>(projector);  // its weights; its compute buffer is small beside them
    }
    if (!entry.vocoder.empty()) {
        std::error_code ec;
        const uintmax_t vocoder = std::filesystem::file_size(entry.vocoder, ec);
        need.weights += ec ? 0 : static_cast<uint64_t>(vocoder);
    }
    if (text) {
        const int64_t mib = resolved.prompt_cache_mib;
        need.host_cache = mib < 0 ? need.kv_cache : static_cast<uint64_t>(mib) << 20;
    }
    if (entry.info.kind == core::ModelKind::LLM) {
        const MemoryNeed draft = draft_need_locked(entry, options, n_ctx * resolved.n_slots);
        need.weights += draft.weights;
        need.kv_cache += draft.kv_cache;
        need.compute += draft.compute;
        need.vram += draft.vram;
    }
    return need;
}

std::vector<ResidentModel> ModelRegistry::resident_locked(const std::string& id) const {
    std::vector<ResidentModel> resident;
    for (const auto& m : models_) {
        if (m->status.entry.id == id || m->status.memory_bytes == 0) {
            continue;
        }
        const auto usage = m->book->read();
        const bool idle = m->status.state == ModelState::READY && usage.leases == 0 && m->loaded() && m->quiet();
        resident.push_back({m->status.entry.id,
                            {m->status.memory_bytes - m->status.vram_bytes, m->status.vram_bytes},
                            std::max(m->status.last_used_ms, usage.last_used_ms),
                            idle});
    }
    return resident;
}

Result<void> ModelRegistry::make_room_locked(std::unique_lock<std::mutex>& lock, const std::string& id,
                                             const MemoryNeed& need) {
    const std::vector<ResidentModel> resident = resident_locked(id);
    const MemorySplit budget{config_.memory_budget, config_.vram_budget.value_or(0)};
    auto victims = pick_evictions(resident, need.split(), budget);
    if (!victims) {
        return make_error(ErrorCode::OUT_OF_MEMORY, refusal_message(id, need.split(), budget, resident));
    }
    for (const std::string& victim : *victims) {
        if (Slot* v = find_locked(victim); v != nullptr && v->loaded()) {
            log::info("unloading idle model {} to make room for {}", victim, id);
            drop_locked(lock, *v, ModelState::UNLOADED);
        }
    }
    return {};
}

// An LLM that leaves n_gpu_layers unset offloads every layer when the GPU budget holds them beside the models
// that stay (idle ones may go, as for any load), else as many as fit, the rest running on the CPU; as
// llama.cpp's -ngl auto fits free memory. An explicit value (-1: all) is taken as it is, and refused with 507
// when it does not fit.
core::LoadOptions ModelRegistry::fit_gpu_layers_locked(const CatalogEntry& entry,
                                                       const core::LoadOptions& options) const {
    const uint64_t vram_budget = config_.vram_budget.value_or(0);
    const auto n_layer = static_cast<int64_t>(entry.info.block_count);
    const TextModelOptions resolved = resolve_text_options(config_.text_defaults, options);
    if (entry.info.kind != core::ModelKind::LLM || options.n_gpu_layers || vram_budget == 0 || n_layer <= 0 ||
        offloaded_layers(config_.devices, entry.info.kind, resolved.device, resolved.n_gpu_layers) == 0) {
        return options;
    }
    const std::vector<ResidentModel> resident = resident_locked(entry.id);
    const MemorySplit budget{config_.memory_budget, vram_budget};
    const auto fits = [&](const core::LoadOptions& o) {
        return pick_evictions(resident, need_of(entry, o).split(), budget).has_value();
    };
    if (fits(options)) {
        return options;
    }
    core::LoadOptions fitted = options;
    for (int64_t n = n_layer; n >= 0; --n) {
        fitted.n_gpu_layers = static_cast<int32_t>(n);
        if (fits(fitted)) {
            log::info("model {}: {} of {} layers fit the GPU budget; the rest run on the CPU", entry.id, n,
                      n_layer + 1);
            return fitted;
        }
    }
    return options;  // not even on the CPU: the load is refused with the full offload's need
}

Error ModelRegistry::fail_load_locked(Slot& slot, const Error& error, const core::LoadOptions& options, bool isolated) {
    const std::string& id = slot.status.entry.id;
    slot.status.state = ModelState::FAILED;
    slot.status.last_error = error.message;
    if (isolated && error.code == ErrorCode::INTERNAL) {
        slot.note_crash();  // its process ended while loading (not a load error it reported)
    }
    slot.status.memory_bytes = 0;
    slot.status.vram_bytes = 0;
    log::error("model {} failed to load: {}", id, error.message);
    const ErrorCode code = error.code == ErrorCode::INVALID_ARGUMENT && options != slot.spec.options
                               ? ErrorCode::INVALID_ARGUMENT  // the caller's override was refused
                               : ErrorCode::MODEL_NOT_READY;
    return make_error(code, "The model '" + id + "' failed to load: " + error.message);
}

ModelLease ModelRegistry::lease_locked(Slot& slot) {
    slot.status.last_used_ms = steady_now_ms();
    ModelLease lease;
    if (slot.isolated) {
        lease.isolated = LeaseBook::lease(slot.isolated, slot.book, &steady_now_ms);
    }
    if (slot.text) {
        lease.text = LeaseBook::lease(slot.text, slot.book, &steady_now_ms);
    }
    if (slot.embedding) {
        lease.embedding = LeaseBook::lease(slot.embedding, slot.book, &steady_now_ms);
    }
    if (slot.speech) {
        lease.speech = LeaseBook::lease(slot.speech, slot.book, &steady_now_ms);
    }
    if (slot.voice) {
        lease.voice = LeaseBook::lease(slot.voice, slot.book, &steady_now_ms);
    }
    return lease;
}

// Stops the model's scheduler with the lock released (running requests end with an error event), then
// publishes the final state. The memory goes when the last lease does.
void ModelRegistry::drop_locked(std::unique_lock<std::mutex>& lock, Slot& slot, ModelState final_state) {
    const std::string id = slot.status.entry.id;
    Slot released;
    released.isolated = std::move(slot.isolated);
    released.text = std::move(slot.text);
    released.embedding = std::move(slot.embedding);
    released.speech = std::move(slot.speech);
    released.voice = std::move(slot.voice);
    slot.status.state = ModelState::UNLOADING;
    lock.unlock();
    released.release_model();
    process_info::release_free_memory();  // its buffers sat in its scheduler thread's malloc arena
    lock.lock();
    if (Slot* now = find_locked(id)) {
        now->status.state = final_state;
        now->status.memory_bytes = 0;
        now->status.vram_bytes = 0;
        now->status.load_progress = 0;
    }
    log::info("model {} unloaded", id);
    state_changed_.notify_all();
}

void ModelRegistry::drop_broken_locked(std::unique_lock<std::mutex>& lock, Slot& slot, const std::string& failure) {
    const std::string id = slot.status.entry.id;
    const bool crashed = slot.isolated != nullptr;  // its process ended: the restart backs off
    drop_locked(lock, slot, ModelState::FAILED);
    if (Slot* now = find_locked(id)) {
        now->status.last_error = failure;
        if (crashed) {
            now->note_crash();
        }
    }
}

// Once a second: unload idle models past their keep-alive, and mark models whose engine broke as failed
// (their next request reloads them), so that status and /health tell the truth.
void ModelRegistry::reap_idle() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        state_changed_.wait_for(lock, std::chrono::milliseconds(250));
        for (size_t i = 0; i < models_.size() && !stopping_; ++i) {
            Slot& slot = *models_[i];
            if (slot.status.state != ModelState::READY || !slot.loaded()) {
                continue;
            }
            const std::string id = slot.status.entry.id;
            if (const std::string failure = slot.failure(); !failure.empty()) {
                log::error("model {}: {}; unloading it", id, failure);
                drop_broken_locked(lock, slot, failure);
                continue;
            }
            const int64_t keep_alive = keep_alive_of(slot.status.options, config_.keep_alive_s);
            const auto usage = slot.book->read();
            const int64_t idle_for = steady_now_ms() - std::max(slot.status.last_used_ms, usage.last_used_ms);
            if (keep_alive >= 0 && usage.leases == 0 && slot.quiet() && idle_for >= keep_alive * 1000) {
                log::info("model {} idle for {} s: unloading", id, idle_for / 1000);
                drop_locked(lock, slot, ModelState::UNLOADED);
            }
        }
    }
}

}  // namespace hearth::registry
