#pragma once
// The set of models this server knows, with their lifecycle state. Built from a models-directory scan.
// Thread-safe: every method may be called from any thread; snapshots are returned by value.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/embedding_model.h"
#include "registry/model_catalog.h"
#include "registry/model_state.h"
#include "registry/text_model.h"

namespace hearth::registry {

struct ModelStatus {
    CatalogEntry entry;
    ModelState state = ModelState::UNLOADED;
    std::string last_error;
    std::optional<sched::SchedulerStats> slots;      // a loaded text model's scheduler, at the time of the snapshot
    std::optional<sched::EmbeddingStats> embedding;  // a loaded embedding or rerank model's batcher and cache
};

class ModelRegistry {
public:
    explicit ModelRegistry(const std::string& models_dir, TextModelOptions text_options = {},
                           EmbeddingModelOptions embedding_options = {});
    ~ModelRegistry();

    // Re-reads the models directory; models that vanished are dropped, new files are added.
    void rescan();

    std::vector<ModelStatus> list() const;
    std::optional<ModelStatus> find(const std::string& id) const;
    std::vector<RejectedFile> rejected() const;
    const std::string& models_dir() const { return models_dir_; }

    // The loaded text model `id`, loaded on first use; concurrent callers wait for the one load. Errors:
    // MODEL_NOT_FOUND, UNSUPPORTED (not a text model), MODEL_NOT_READY (the load failed, with its reason).
    Result<std::shared_ptr<TextModel>> acquire_text(const std::string& id);
    // The loaded embedding (kind EMBEDDING) or cross-encoder (kind RERANK) model `id`, loaded on first use, as
    // acquire_text. Errors: MODEL_NOT_FOUND, UNSUPPORTED (a model of another kind), MODEL_NOT_READY.
    Result<std::shared_ptr<EmbeddingModel>> acquire_embedding(const std::string& id, core::ModelKind kind);
    // The vector cache every embedding and rerank model shares (hits, misses, entries).
    sched::VectorCacheStats cache_stats() const { return cache_->stats(); }
    // Stops every loaded model's scheduler (their requests end with an error) and lets them go.
    void unload_all();

private:
    ModelStatus* find_locked(const std::string& id);
    ModelStatus snapshot_locked(const ModelStatus& model) const;
    // A loaded model: one of the two is set, as its kind says.
    struct Loaded {
        std::shared_ptr<TextModel> text;
        std::shared_ptr<EmbeddingModel> embedding;
    };
    Result<Loaded> acquire(const std::string& id, core::ModelKind kind, std::string_view what);
    Result<Loaded> load_locked(std::unique_lock<std::mutex>& lock, ModelStatus& model);
    Result<Loaded> load_model(const CatalogEntry& entry) const;

    const std::string models_dir_;
    const TextModelOptions text_options_;
    const EmbeddingModelOptions embedding_options_;
    const std::shared_ptr<sched::VectorCache> cache_;
    mutable std::mutex mutex_;
    std::condition_variable state_changed_;
    // guarded by mutex_
    std::vector<ModelStatus> models_;
    std::vector<RejectedFile> rejected_;
    std::map<std::string, Loaded> loaded_;
};

}  // namespace hearth::registry
