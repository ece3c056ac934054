#include "registry/model_registry.h"

#include <algorithm>
#include <ctime>

#include "registry/model_entries.h"
#include "registry/registry_slot.h"
#include "util/ascii.h"
#include "util/log.h"

namespace hearth::registry {

namespace {

// An isolated model is reached through the gateway, which forwards the requests naming it to its process.
Error runs_elsewhere(const std::string& id) {
    return make_error(ErrorCode::UNSUPPORTED,
                      "The model '" + id +
                          "' runs in a process of its own, which this "
                          "request cannot reach (name it in the body: \"model\" in JSON or a form field)");
}

Error not_found(const std::string& id) {
    return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' does not exist", "model");
}

}  // namespace

int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

ModelRegistry::ModelRegistry(RegistryConfig config)
    : config_(std::move(config)),
      cache_(std::make_shared<sched::VectorCache>(config_.embedding_defaults.cache_entries)) {
    if (!config_.vram_budget) {
        config_.vram_budget = default_vram_budget(config_.devices);
    }
    rescan();
    reaper_ = std::thread([this] { reap_idle(); });
}

namespace {

RegistryConfig directory_only(const std::string& models_dir, TextModelOptions text_options) {
    RegistryConfig config;
    config.models_dir = models_dir;
    config.text_defaults = std::move(text_options);
    return config;
}

}  // namespace

ModelRegistry::ModelRegistry(const std::string& models_dir, TextModelOptions text_options)
    : ModelRegistry(directory_only(models_dir, std::move(text_options))) {}

ModelRegistry::~ModelRegistry() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    state_changed_.notify_all();
    if (reaper_.joinable()) {
        reaper_.join();
    }
    unload_all();
}

void ModelRegistry::rescan() {
    EntryScan scan = collect_entries(config_.models_dir, config_.configured, config_.builtin_voice);
    for (const RejectedFile& file : scan.rejected) {
        log::info("not serving {}: {}", file.path, file.reason);
    }
    std::lock_guard lock(mutex_);
    std::map<std::string, std::unique_ptr<Slot>> old;
    for (auto& slot : models_) {
        const std::string id = slot->status.entry.id;
        old.emplace(id, std::move(slot));
    }
    models_.clear();
    for (ModelEntry& entry : scan.entries) {
        std::unique_ptr<Slot> slot;
        // The same model at the same path keeps its lifecycle (a loaded one stays loaded).
        if (auto it = old.find(entry.catalog.id);
            it != old.end() && it->second->status.entry.info.path == entry.catalog.info.path) {
            slot = std::move(it->second);
            old.erase(it);
            if (!slot->loaded()) {  // not loaded: the file's and the config's current word counts
                const bool was_broken = !slot->probed && slot->status.state == ModelState::FAILED;
                if (!entry.probe_error.empty() || was_broken) {
                    slot->status.state = entry.probe_error.empty() ? ModelState::UNLOADED : ModelState::FAILED;
                    slot->status.last_error = entry.probe_error;
                }
                slot->status.options = entry.spec.options;
            }
        } else {
            slot = std::make_unique<Slot>();
            slot->status.state = entry.probe_error.empty() ? ModelState::UNLOADED : ModelState::FAILED;
            slot->status.last_error = entry.probe_error;
            slot->status.options = entry.spec.options;
        }
        slot->status.entry = std::move(entry.catalog);
        slot->status.source = entry.configured ? "config" : (entry.builtin ? "builtin" : "scan");
        slot->spec = std::move(entry.spec);
        slot->probed = entry.probe_error.empty();
        models_.push_back(std::move(slot));
    }
    // A loaded model whose entry vanished keeps serving its requests until they end; it stays listed.
    for (auto& [id, slot] : old) {
        if (slot->loaded()) {
            models_.push_back(std::move(slot));
        }
    }
    rejected_ = std::move(scan.rejected);
}

std::vector<ModelStatus> ModelRegistry::list() const {
    std::lock_guard lock(mutex_);
    std::vector<ModelStatus> out;
    out.reserve(models_.size());
    for (const auto& m : models_) {
        out.push_back(snapshot_locked(*m));
    }
    return out;
}

std::optional<ModelStatus> ModelRegistry::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const Slot* slot = find_locked(id);
    return slot != nullptr ? std::optional<ModelStatus>(snapshot_locked(*slot)) : std::nullopt;
}

std::vector<RejectedFile> ModelRegistry::rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
}

ModelRegistry::Slot* ModelRegistry::find_locked(const std::string& id) {
    auto it = std::find_if(models_.begin(), models_.end(), [&](const auto& m) { return m->status.entry.id == id; });
    if (it != models_.end()) {
        return it->get();
    }
    // A pulled model answers to its tag in any case ("org/repo:q4_k_m"), and to "org/repo" alone when it is the
    // only one pulled from that repo.
    const std::string wanted = ascii_lower(id);
    Slot* found = nullptr;
    int matches = 0;
    for (const auto& m : models_) {
        const std::string& name = m->status.entry.id;
        const size_t colon = name.rfind(':');
        if (colon == std::string::npos) {
            continue;
        }
        if (ascii_lower(name) == wanted || (id.find(':') == std::string::npos && name.substr(0, colon) == id)) {
            found = m.get();
            ++matches;
        }
    }
    return matches == 1 ? found : nullptr;
}

const ModelRegistry::Slot* ModelRegistry::find_locked(const std::string& id) const {
    return const_cast<ModelRegistry*>(this)->find_locked(id);
}

ModelStatus ModelRegistry::snapshot_locked(const Slot& slot) const {
    ModelStatus out = slot.status;
    out.isolated = runs_isolated(slot.status.entry, slot.status.options, config_.isolate);
    const auto usage = slot.book->read();
    out.leases = usage.leases;
    out.last_used_ms = std::max(out.last_used_ms, usage.last_used_ms);
    if (slot.text) {
        out.slots = slot.text->scheduler().stats();
        out.layer_placement = slot.text->engine().layer_placement();
    }
    if (slot.isolated) {
        out.layer_placement = slot.isolated->layer_placement();
        out.voices = slot.isolated->voices();
    }
    if (slot.embedding) {
        out.embedding = slot.embedding->scheduler().stats();
    }
    if (slot.speech) {
        out.speech = slot.speech->pool().stats();
    }
    if (slot.voice) {
        out.voice = slot.voice->stats();
        out.voices = slot.voice->voices();
        if (TextModel* language = slot.voice->language_model()) {
            out.slots = language->scheduler().stats();
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::shared_ptr<IsolatedModel>>> ModelRegistry::running_isolated() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, std::shared_ptr<IsolatedModel>>> out;
    for (const auto& slot : models_) {
        if (slot->isolated && slot->isolated->alive()) {
            out.emplace_back(slot->status.entry.id, slot->isolated);
        }
    }
    return out;
}

Result<std::shared_ptr<TextModel>> ModelRegistry::acquire_text(const std::string& id) {
    std::unique_lock lock(mutex_);
    auto lease = ensure_loaded(lock, id, core::ModelKind::LLM, nullptr, false);
    lock.unlock();
    if (lease && lease->isolated) {
        return runs_elsewhere(id);
    }
    return lease ? Result<std::shared_ptr<TextModel>>(std::move(lease->text)) : lease.error();
}

Result<std::shared_ptr<EmbeddingModel>> ModelRegistry::acquire_embedding(const std::string& id, core::ModelKind kind) {
    std::unique_lock lock(mutex_);
    auto lease = ensure_loaded(lock, id, kind, nullptr, false);
    lock.unlock();
    if (lease && lease->isolated) {
        return runs_elsewhere(id);
    }
    return lease ? Result<std::shared_ptr<EmbeddingModel>>(std::move(lease->embedding)) : lease.error();
}

Result<std::shared_ptr<SpeechModel>> ModelRegistry::acquire_speech(const std::string& id) {
    std::unique_lock lock(mutex_);
    auto lease = ensure_loaded(lock, id, core::ModelKind::WHISPER, nullptr, false);
    lock.unlock();
    if (lease && lease->isolated) {
        return runs_elsewhere(id);
    }
    return lease ? Result<std::shared_ptr<SpeechModel>>(std::move(lease->speech)) : lease.error();
}

Result<std::shared_ptr<VoiceModel>> ModelRegistry::acquire_voice(const std::string& id) {
    std::unique_lock lock(mutex_);
    auto lease = ensure_loaded(lock, id, core::ModelKind::TTS, nullptr, false);
    lock.unlock();
    if (lease && lease->isolated) {
        return runs_elsewhere(id);
    }
    return lease ? Result<std::shared_ptr<VoiceModel>>(std::move(lease->voice)) : lease.error();
}

Result<std::shared_ptr<IsolatedModel>> ModelRegistry::acquire_isolated(const std::string& id) {
    std::unique_lock lock(mutex_);
    auto lease = ensure_loaded(lock, id, std::nullopt, nullptr, false);
    lock.unlock();
    if (lease && !lease->isolated) {
        return make_error(ErrorCode::UNSUPPORTED, "The model '" + id + "' does not run isolated");
    }
    return lease ? Result<std::shared_ptr<IsolatedModel>>(std::move(lease->isolated)) : lease.error();
}

Result<ModelStatus> ModelRegistry::load(const std::string& id, const core::LoadOptions& overrides) {
    std::unique_lock lock(mutex_);
    auto lease = ensure_loaded(lock, id, std::nullopt, &overrides, true);
    if (!lease) {
        return lease.error();
    }
    const Slot* slot = find_locked(id);
    if (slot == nullptr) {
        return not_found(id);
    }
    ModelStatus status = snapshot_locked(*slot);
    status.leases = std::max(0, status.leases - 1);  // this call's own lease is about to go
    lock.unlock();
    return status;
}

Result<ModelStatus> ModelRegistry::unload(const std::string& id) {
    std::unique_lock lock(mutex_);
    Slot* slot = find_locked(id);
    if (slot == nullptr) {
        return not_found(id);
    }
    state_changed_.wait(lock, [&] {
        slot = find_locked(id);
        return slot == nullptr ||
               (slot->status.state != ModelState::LOADING && slot->status.state != ModelState::UNLOADING);
    });
    if (slot == nullptr) {
        return not_found(id);
    }
    if (slot->loaded()) {
        drain_locked(lock, *slot);
        if ((slot = find_locked(id)) != nullptr && slot->loaded()) {
            drop_locked(lock, *slot, ModelState::UNLOADED);
            slot = find_locked(id);
        }
    }
    if (slot == nullptr) {
        return not_found(id);
    }
    return snapshot_locked(*slot);
}

// Requests hold the model through leases, which end without the registry's lock: poll their count. New requests
// see UNLOADING and wait in ensure_loaded (then load the model again); the keep-alive reaper skips the model.
void ModelRegistry::drain_locked(std::unique_lock<std::mutex>& lock, Slot& slot) {
    slot.status.state = ModelState::UNLOADING;
    state_changed_.notify_all();
    const std::shared_ptr<LeaseBook> book = slot.book;
    const auto deadline = std::chrono::steady_clock::now() + config_.unload_grace;
    while (book->read().leases > 0 && !stopping_ && std::chrono::steady_clock::now() < deadline) {
        state_changed_.wait_for(lock, std::chrono::milliseconds(20));
    }
}

void ModelRegistry::unload_all() {
    std::vector<Slot> released;
    {
        std::lock_guard lock(mutex_);
        for (auto& m : models_) {
            if (m->loaded()) {
                released.emplace_back();
                released.back().text = std::move(m->text);
                released.back().embedding = std::move(m->embedding);
                released.back().speech = std::move(m->speech);
                released.back().voice = std::move(m->voice);
                m->status.state = ModelState::UNLOADED;
                m->status.memory_bytes = 0;
            }
        }
    }
    for (auto& model : released) {
        model.release_model();
    }
}

void ModelRegistry::Slot::note_crash() {
    constexpr int64_t FRESH_AFTER_MS = 300'000;
    constexpr int64_t MAX_BACKOFF_MS = 60'000;
    const int64_t now = steady_now_ms();
    status.crashes = last_crash_ms > 0 && now - last_crash_ms > FRESH_AFTER_MS ? 1 : status.crashes + 1;
    last_crash_ms = now;
    restart_at_ms = now + std::min<int64_t>(int64_t{1000} << std::min(status.crashes - 1, 6), MAX_BACKOFF_MS);
}

std::string ModelRegistry::Slot::failure() const {
    if (isolated && !isolated->alive()) {
        return isolated->failure();
    }
    if (text && text->scheduler().stats().engine_failed) {
        return "engine failed: " + text->scheduler().stats().engine_error;
    }
    return {};
}

bool ModelRegistry::Slot::quiet() const {
    if (text) {
        const auto stats = text->scheduler().stats();
        return stats.slots_busy == 0 && stats.queued == 0;
    }
    if (speech) {
        const auto stats = speech->pool().stats();
        return stats.busy == 0 && stats.waiting == 0;
    }
    if (voice) {
        const auto stats = voice->stats();
        TextModel* language = voice->language_model();
        const auto lm = language != nullptr ? language->scheduler().stats() : sched::SchedulerStats{};
        return stats.busy == 0 && stats.waiting == 0 && lm.slots_busy == 0 && lm.queued == 0;
    }
    return embedding == nullptr || embedding->scheduler().stats().queued == 0;
}

void ModelRegistry::Slot::release_model() {
    if (isolated) {
        isolated->stop();  // its requests in flight finish there first
        isolated.reset();
    }
    if (text) {
        text->scheduler().stop();
        text.reset();
    }
    if (embedding) {
        embedding->scheduler().stop();
        embedding.reset();
    }
    if (speech) {
        speech->pool().stop();
        speech.reset();
    }
    if (voice) {
        voice->stop();
        voice.reset();
    }
}

}  // namespace hearth::registry
