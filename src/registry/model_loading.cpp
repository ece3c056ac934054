// ModelRegistry's lifecycle transitions: load (within the memory budget), lease, unload, keep-alive.

#include <algorithm>
#include <ctime>

#include "registry/memory_budget.h"
#include "registry/model_registry.h"
#include "registry/registry_slot.h"
#include "util/log.h"

namespace hearth::registry {

namespace {

bool is_idle(const ModelStatus& status, int leases, const std::shared_ptr<TextModel>& text) {
    if (status.state != ModelState::READY || leases > 0 || !text) {
        return false;
    }
    const auto stats = text->scheduler().stats();
    return stats.slots_busy == 0 && stats.queued == 0;
}

std::string kind_error(const std::string& id, core::ModelKind kind) {
    return "The model '" + id + "' is a " + std::string(core::to_string(kind)) + " model, not a text-generation model";
}

int64_t keep_alive_of(const core::LoadOptions& options, int64_t fallback) {
    return options.keep_alive_s.value_or(fallback);
}

}  // namespace

Result<std::shared_ptr<TextModel>> ModelRegistry::ensure_loaded(std::unique_lock<std::mutex>& lock,
                                                                const std::string& id,
                                                                const core::LoadOptions* overrides,
                                                                bool explicit_load) {
    Slot* slot = find_locked(id);
    if (slot == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' does not exist", "model");
    }
    if (slot->status.entry.info.kind != core::ModelKind::LLM) {
        return make_error(ErrorCode::UNSUPPORTED, kind_error(id, slot->status.entry.info.kind), "model");
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
    if (slot->status.state == ModelState::READY && slot->text && slot->text->scheduler().stats().engine_failed) {
        const std::string error = "engine failed: " + slot->text->scheduler().stats().engine_error;
        drop_locked(lock, *slot, ModelState::FAILED);  // and load it again below
        if ((slot = find_locked(id)) == nullptr) {
            return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
        }
        slot->status.last_error = error;
    }
    const core::LoadOptions wanted =
        overrides != nullptr ? core::overlay(slot->spec.options, *overrides) : slot->status.options;
    if (slot->status.state == ModelState::READY && slot->text) {
        if (!explicit_load || wanted == slot->status.options) {
            return lease_locked(*slot);
        }
        drop_locked(lock, *slot, ModelState::UNLOADED);  // reload with the new options
        if ((slot = find_locked(id)) == nullptr) {
            return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
        }
    }
    if (!slot->probed) {
        return make_error(ErrorCode::MODEL_NOT_READY,
                          "The model '" + id + "' cannot be loaded: " + slot->status.last_error);
    }
    if (!explicit_load && !config_.autoload) {
        return make_error(ErrorCode::MODEL_NOT_READY,
                          "The model '" + id + "' is not loaded (autoload is off: POST /v1/models/" + id + "/load)");
    }
    return load_locked(lock, *slot, wanted);
}

// Loads with the lock released (a load takes seconds; other models keep serving), then publishes the result.
Result<std::shared_ptr<TextModel>> ModelRegistry::load_locked(std::unique_lock<std::mutex>& lock, Slot& slot,
                                                              const core::LoadOptions& options) {
    const std::string id = slot.status.entry.id;
    const std::string path = slot.status.entry.info.path;
    const TextModelOptions resolved = resolve_text_options(config_.text_defaults, options);
    const auto ctx_cap = static_cast<int64_t>(slot.status.entry.info.context_length);
    const int64_t n_ctx = ctx_cap > 0 ? std::min<int64_t>(resolved.n_ctx_per_slot, ctx_cap) : resolved.n_ctx_per_slot;
    const uint64_t need = estimate_memory(slot.status.entry.info, {n_ctx * resolved.n_slots, resolved.n_batch,
                                                                   resolved.type_k, resolved.type_v})
                              .total();
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
    now->status.memory_bytes = need;
    lock.unlock();
    log::info("loading model {} from {} (about {})", id, path, format_bytes(need));
    if (config_.before_load) {
        config_.before_load(id);
    }
    const auto start = std::chrono::steady_clock::now();
    auto loaded = TextModel::load(path, resolved, [this, id](float progress) {
        std::lock_guard progress_lock(mutex_);
        if (Slot* s = find_locked(id)) {
            s->status.load_progress = progress;
        }
    });
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    lock.lock();
    now = find_locked(id);
    if (now == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed while loading", "model");
    }
    state_changed_.notify_all();
    if (!loaded) {
        now->status.state = ModelState::FAILED;
        now->status.last_error = loaded.error().message;
        now->status.memory_bytes = 0;
        log::error("model {} failed to load: {}", id, loaded.error().message);
        const ErrorCode code = loaded.error().code == ErrorCode::INVALID_ARGUMENT && options != now->spec.options
                                   ? ErrorCode::INVALID_ARGUMENT  // the caller's override was refused
                                   : ErrorCode::MODEL_NOT_READY;
        return make_error(code, "The model '" + id + "' failed to load: " + loaded.error().message);
    }
    now->text = std::move(*loaded);
    now->status.state = ModelState::READY;
    now->status.last_error.clear();
    now->status.load_progress = 1;
    now->status.load_ms = ms;
    now->status.loaded_at_unix = static_cast<int64_t>(std::time(nullptr));
    return lease_locked(*now);
}

Result<void> ModelRegistry::make_room_locked(std::unique_lock<std::mutex>& lock, const std::string& id, uint64_t need) {
    std::vector<ResidentModel> resident;
    for (const auto& m : models_) {
        if (m->status.entry.id == id || m->status.memory_bytes == 0) {
            continue;
        }
        const auto usage = m->book->read();
        resident.push_back({m->status.entry.id, m->status.memory_bytes,
                            std::max(m->status.last_used_ms, usage.last_used_ms),
                            is_idle(m->status, usage.leases, m->text)});
    }
    auto victims = pick_evictions(resident, need, config_.memory_budget);
    if (!victims) {
        uint64_t used = 0;
        std::string holders;
        for (const auto& r : resident) {
            used += r.bytes;
            holders += (holders.empty() ? "" : ", ") + r.id + (r.idle ? "" : " (busy)");
        }
        return make_error(ErrorCode::OUT_OF_MEMORY,
                          "The model '" + id + "' needs about " + format_bytes(need) + "; the memory budget is " +
                              format_bytes(config_.memory_budget) + " and " + format_bytes(used) +
                              " of it is held by " + (holders.empty() ? "nothing" : holders));
    }
    for (const std::string& victim : *victims) {
        if (Slot* v = find_locked(victim); v != nullptr && v->text) {
            log::info("unloading idle model {} to make room for {}", victim, id);
            drop_locked(lock, *v, ModelState::UNLOADED);
        }
    }
    return {};
}

std::shared_ptr<TextModel> ModelRegistry::lease_locked(Slot& slot) {
    slot.status.last_used_ms = steady_now_ms();
    return LeaseBook::lease(slot.text, slot.book, &steady_now_ms);
}

// Stops the model's scheduler with the lock released (running requests end with an error event), then
// publishes the final state. The memory goes when the last lease does.
void ModelRegistry::drop_locked(std::unique_lock<std::mutex>& lock, Slot& slot, ModelState final_state) {
    const std::string id = slot.status.entry.id;
    std::shared_ptr<TextModel> model = std::move(slot.text);
    slot.status.state = ModelState::UNLOADING;
    lock.unlock();
    if (model) {
        model->scheduler().stop();
        model.reset();
    }
    lock.lock();
    if (Slot* now = find_locked(id)) {
        now->status.state = final_state;
        now->status.memory_bytes = 0;
        now->status.load_progress = 0;
    }
    log::info("model {} unloaded", id);
    state_changed_.notify_all();
}

// Once a second: unload idle models past their keep-alive, and mark models whose engine broke as failed
// (their next request reloads them), so that status and /health tell the truth.
void ModelRegistry::reap_idle() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        state_changed_.wait_for(lock, std::chrono::milliseconds(250));
        for (size_t i = 0; i < models_.size() && !stopping_; ++i) {
            Slot& slot = *models_[i];
            if (slot.status.state != ModelState::READY || !slot.text) {
                continue;
            }
            const auto stats = slot.text->scheduler().stats();
            const std::string id = slot.status.entry.id;
            if (stats.engine_failed) {
                log::error("model {}: engine failed ({}); unloading it", id, stats.engine_error);
                drop_locked(lock, slot, ModelState::FAILED);
                if (Slot* now = find_locked(id)) {
                    now->status.last_error = "engine failed: " + stats.engine_error;
                }
                continue;
            }
            const int64_t keep_alive = keep_alive_of(slot.status.options, config_.keep_alive_s);
            const auto usage = slot.book->read();
            const int64_t idle_for = steady_now_ms() - std::max(slot.status.last_used_ms, usage.last_used_ms);
            if (keep_alive >= 0 && is_idle(slot.status, usage.leases, slot.text) && idle_for >= keep_alive * 1000) {
                log::info("model {} idle for {} s: unloading", id, idle_for / 1000);
                drop_locked(lock, slot, ModelState::UNLOADED);
            }
        }
    }
}

}  // namespace hearth::registry
