#pragma once
// The models this server knows (configured in config.json, or found in the models directory), with their
// lifecycle: unloaded -> loading -> ready -> unloading -> unloaded, and failed (with the reason).
// Requests hold a lease (a shared_ptr) on a ready model: unloading stops its scheduler, which ends their
// requests with an error, and frees the memory once the last lease is gone. Loads run without the lock, so
// loading or using one model never blocks requests to another. A memory budget bounds what is loaded at
// once: a load that does not fit unloads the least recently used idle models, or is refused. Idle models
// unload after their keep-alive.
// Thread-safe: every method may be called from any thread; snapshots are returned by value.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/model_spec.h"
#include "registry/embedding_model.h"
#include "registry/isolated_model.h"
#include "registry/memory_budget.h"
#include "registry/model_catalog.h"
#include "registry/model_state.h"
#include "registry/speech_model.h"
#include "registry/text_model.h"
#include "registry/voice_model.h"

namespace hearth::registry {

struct RegistryConfig {
    std::string models_dir;
    std::vector<core::ModelSpec> configured;  // from config.json; a configured name wins over a scanned file
    TextModelOptions text_defaults;
    EmbeddingModelOptions embedding_defaults;  // embedding and rerank models: batching, threads, queue, cache
    SpeechModelOptions speech_defaults;        // whisper models: sessions at once, waiting bound, VAD model
    VoiceModelOptions voice_defaults;          // text-to-speech models: synthesis workers, waiting bound
    bool builtin_voice = false;                // list the built-in flite voices as a model (BUILTIN_VOICE_ID)
    uint64_t memory_budget = 0;                // bytes of RAM; 0: no budget
    // The ggml devices (engine::BackendGuard::devices()); with a GPU among them, offloaded layers count
    // against vram_budget instead of memory_budget. Empty: the CPU only.
    std::vector<engine::BackendDevice> devices;
    std::optional<uint64_t> vram_budget;  // bytes of GPU memory; 0: no budget; nullopt: default_vram_budget
    bool autoload = true;                 // a request to an unloaded model loads it
    bool isolate = false;                 // models run isolated unless their options say (registry/isolated_model.h)
    int64_t keep_alive_s = -1;            // idle seconds before unloading a model without its own; -1: never
    std::chrono::milliseconds load_wait{std::chrono::minutes(5)};  // a request waits this long for a load
    // An unload lets the requests holding the model finish for this long before it stops the rest (their streams
    // end with an error event); requests arriving meanwhile wait for the unload and load the model again.
    std::chrono::milliseconds unload_grace{std::chrono::seconds(5)};
    std::function<void(const std::string& id)> before_load;  // tests: runs on the loading thread
    TextEngineWrapper wrap_text_engine;                      // tests: between scheduler and engine
    // Starts a text model that runs isolated in a process of its own; unset: isolation is refused.
    IsolatedLauncher launch_isolated;
};

struct ModelStatus {
    CatalogEntry entry;
    std::string source;         // "config", "scan" or "builtin"
    core::LoadOptions options;  // as configured (plus the overrides of the current load)
    ModelState state = ModelState::UNLOADED;
    std::string last_error;
    float load_progress = 0;    // 0..1 while loading
    uint64_t memory_bytes = 0;  // estimate, while loading or loaded: RAM and GPU memory together
    uint64_t vram_bytes = 0;    // the part of memory_bytes on GPU devices
    double load_ms = 0;         // how long the last load took
    int64_t loaded_at_unix = 0;
    int64_t last_used_ms = 0;                        // steady clock, for LRU and keep-alive
    int leases = 0;                                  // requests holding the loaded model
    std::optional<sched::SchedulerStats> slots;      // a loaded text model's scheduler, at the time of the snapshot
    std::optional<sched::EmbeddingStats> embedding;  // a loaded embedding or rerank model's batcher and cache
    std::optional<sched::SpeechStats> speech;        // a loaded whisper model's session pool
    std::optional<sched::WorkStats> voice;           // a loaded text-to-speech model's synthesis workers
    std::vector<std::string> voices;                 // a loaded text-to-speech model's voices
    bool isolated = false;  // it runs (or would run) in a process of its own (registry/isolated_model.h)
    int crashes = 0;        // its process ended unasked this many times in a row (reset by a load that serves)
    // A loaded text model's layers per device as llama.cpp placed them (device name, count).
    std::vector<std::pair<std::string, int>> layer_placement;
};

// A lease on a loaded model: one of them is set, as its kind says.
struct ModelLease {
    std::shared_ptr<IsolatedModel> isolated;  // a text model in a process of its own (registry/isolated_model.h)
    std::shared_ptr<TextModel> text;
    std::shared_ptr<EmbeddingModel> embedding;
    std::shared_ptr<SpeechModel> speech;
    std::shared_ptr<VoiceModel> voice;
};

class ModelRegistry {
public:
    explicit ModelRegistry(RegistryConfig config);
    // The models directory only, with default options (tests, tools).
    explicit ModelRegistry(const std::string& models_dir, TextModelOptions text_options = {});
    ~ModelRegistry();
    ModelRegistry(const ModelRegistry&) = delete;
    ModelRegistry& operator=(const ModelRegistry&) = delete;

    // Re-reads the models directory and re-probes configured files; models that vanished are dropped
    // (configured ones stay, failed), new files are added. Loaded models keep their state.
    void rescan();

    std::vector<ModelStatus> list() const;
    std::optional<ModelStatus> find(const std::string& id) const;
    // The loaded isolated models whose processes run, by id: for their status and metrics. Loads nothing.
    std::vector<std::pair<std::string, std::shared_ptr<IsolatedModel>>> running_isolated() const;
    std::vector<RejectedFile> rejected() const;
    const std::string& models_dir() const { return config_.models_dir; }
    uint64_t memory_budget() const { return config_.memory_budget; }
    uint64_t vram_budget() const { return config_.vram_budget.value_or(0); }

    // A lease on the loaded text model `id`, loading it first when autoload is on; a request to a model
    // that is loading waits for that load (at most load_wait). Errors: MODEL_NOT_FOUND, UNSUPPORTED (not a
    // text model), MODEL_NOT_READY (load failed, not loaded and autoload off, or the wait ran out),
    // OUT_OF_MEMORY (over the budget even with every idle model unloaded).
    Result<std::shared_ptr<TextModel>> acquire_text(const std::string& id);
    // The same for an embedding (kind EMBEDDING) or cross-encoder (kind RERANK) model; UNSUPPORTED for a
    // model of another kind.
    Result<std::shared_ptr<EmbeddingModel>> acquire_embedding(const std::string& id, core::ModelKind kind);
    // The same for a whisper model.
    Result<std::shared_ptr<SpeechModel>> acquire_speech(const std::string& id);
    // The same for a text-to-speech model.
    Result<std::shared_ptr<VoiceModel>> acquire_voice(const std::string& id);
    // A model that runs isolated (registry/isolated_model.h), loaded when needed: errors as acquire_text,
    // UNSUPPORTED for a model that does not run isolated; MODEL_NOT_READY while a crashed one waits out its
    // restart backoff.
    Result<std::shared_ptr<IsolatedModel>> acquire_isolated(const std::string& id);
    // The vector cache every embedding and rerank model shares (hits, misses, entries).
    sched::VectorCacheStats cache_stats() const { return cache_->stats(); }
    // Loads `id` (with `overrides` over its configured options) and returns its status once ready. A model
    // already loaded with other options is reloaded. Errors as acquire_text, plus INVALID_ARGUMENT for
    // options llama.cpp refuses.
    Result<ModelStatus> load(const std::string& id, const core::LoadOptions& overrides = {});
    // Unloads `id`: its running requests end with an error. Loaded or not, the result is its status.
    // Errors: MODEL_NOT_FOUND.
    Result<ModelStatus> unload(const std::string& id);
    // Stops every loaded model's scheduler (their requests end with an error) and lets them go.
    void unload_all();

private:
    struct Slot;  // one model's state
    Slot* find_locked(const std::string& id);
    const Slot* find_locked(const std::string& id) const;
    ModelStatus snapshot_locked(const Slot& slot) const;
    // kind: what the caller needs (nullopt: any servable kind, for explicit loads).
    Result<ModelLease> ensure_loaded(std::unique_lock<std::mutex>& lock, const std::string& id,
                                     std::optional<core::ModelKind> kind, const core::LoadOptions* overrides,
                                     bool explicit_load);
    // draft_path: draft_path_locked(entry, options), resolved by the caller.
    Result<ModelLease> load_locked(std::unique_lock<std::mutex>& lock, Slot& slot, const core::LoadOptions& options,
                                   const std::string& draft_path);
    Error fail_before_load_locked(Slot& slot, const core::LoadOptions& options, const Error& why);
    // A load that ran and failed: the slot's status says why; isolated: it ran in a process of its own.
    Error fail_load_locked(Slot& slot, const Error& error, const core::LoadOptions& options, bool isolated);
    // Why a load may not start now: a crashed model's restart backoff, a file that is no model, autoload off.
    std::optional<Error> load_refusal_locked(const Slot& slot, bool explicit_load) const;
    // need: need_of(entry, options), which sizes a text model's prompt cache; draft_path: its draft model's
    // file (draft_path_locked), empty for none.
    Result<ModelLease> load_model(const CatalogEntry& entry, const core::LoadOptions& options, const MemoryNeed& need,
                                  const std::string& draft_path);
    Result<ModelLease> load_voice(const CatalogEntry& entry, const core::LoadOptions& options, const MemoryNeed& need);
    MemoryNeed need_of(const CatalogEntry& entry, const core::LoadOptions& options) const;
    // A text model's draft_model (its option, else the server's) as a file: a configured text model's, else a
    // path to a file; empty when there is none or it is the model itself. INVALID_ARGUMENT when it is neither
    // (draft_loading.cpp).
    Result<std::string> draft_path_locked(const CatalogEntry& entry, const core::LoadOptions& options) const;
    MemoryNeed draft_need_locked(const CatalogEntry& entry, const core::LoadOptions& options,
                                 int64_t n_ctx_total) const;
    Result<void> make_room_locked(std::unique_lock<std::mutex>& lock, const std::string& id, const MemoryNeed& need);
    // The other loaded models as the memory budget sees them.
    std::vector<ResidentModel> resident_locked(const std::string& id) const;
    // options with n_gpu_layers set to what fits, for an LLM that leaves it unset (auto); else options.
    core::LoadOptions fit_gpu_layers_locked(const CatalogEntry& entry, const core::LoadOptions& options) const;
    ModelLease lease_locked(Slot& slot);
    void drop_locked(std::unique_lock<std::mutex>& lock, Slot& slot, ModelState final_state);
    // A loaded model that can serve no more (Slot::failure()): failed with that reason, its crash noted.
    void drop_broken_locked(std::unique_lock<std::mutex>& lock, Slot& slot, const std::string& failure);
    // Marks the model unloading and waits (lock released) until no request holds it, at most unload_grace.
    void drain_locked(std::unique_lock<std::mutex>& lock, Slot& slot);
    void reap_idle();

    RegistryConfig config_;
    const std::shared_ptr<sched::VectorCache> cache_;
    mutable std::mutex mutex_;
    std::condition_variable state_changed_;
    // guarded by mutex_
    std::vector<std::unique_ptr<Slot>> models_;
    std::vector<RejectedFile> rejected_;
    bool stopping_ = false;
    std::thread reaper_;  // last: unloads idle models past their keep-alive
};

}  // namespace hearth::registry
