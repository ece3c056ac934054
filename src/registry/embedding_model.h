#pragma once
// A loaded embedding or rerank model: the llama.cpp engine and the scheduler thread that owns its context and
// batches its requests. Shared by the registry and every request using it (shared_ptr): it is freed when the
// last user lets go. The engine's thread-safe queries (tokenize, rerank_tokens, sizes) may be used from any
// thread.

#include <chrono>
#include <memory>
#include <string>

#include "engine/llama_embedding_engine.h"
#include "sched/embedding_scheduler.h"
#include "sched/vector_cache.h"
#include "util/result.h"

namespace hearth::registry {

struct EmbeddingModelOptions {
    int32_t max_batch_tokens = 2048;               // the engine's batch: the longest input (with the context)
    int32_t pass_tokens = 256;                     // tokens per forward pass, all requests together
    std::chrono::microseconds batch_window{2000};  // longest wait for more requests to join a batch; 0: none
    size_t cache_entries = 4096;                   // vectors kept by the LRU cache shared by all models; 0: no cache
    int32_t n_threads = 0;                         // 0: one per core
    size_t queue_capacity = 64;                    // requests waiting for the model; beyond it, 429
};

class EmbeddingModel {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // `id` scopes the model's entries in the shared cache (which may be null).
    static Result<std::shared_ptr<EmbeddingModel>> load(const std::string& id, const std::string& path,
                                                        const EmbeddingModelOptions& options,
                                                        std::shared_ptr<sched::VectorCache> cache);
    explicit EmbeddingModel(Passkey /*only load() constructs*/) {}
    ~EmbeddingModel();
    EmbeddingModel(const EmbeddingModel&) = delete;
    EmbeddingModel& operator=(const EmbeddingModel&) = delete;

    engine::LlamaEmbeddingEngine& engine() { return *engine_; }
    sched::EmbeddingScheduler& scheduler() { return *scheduler_; }

private:
    std::unique_ptr<engine::LlamaEmbeddingEngine> engine_;  // first: outlives the scheduler that borrows it
    std::unique_ptr<sched::EmbeddingScheduler> scheduler_;
};

}  // namespace hearth::registry
