#pragma once
// Batching for one loaded embedding or rerank model. Handlers submit jobs (one or many inputs each); inputs
// found in the shared vector cache are answered at once, the rest wait in a bounded queue. One thread owns
// the engine and runs batches: it takes the queued jobs, waits up to a short window for more while the batch
// is not full, packs their inputs (oldest job first, in order) into one forward pass under a token budget,
// and hands each job its outputs once all its inputs are done; a job larger than one batch spans several.
// An input's output does not depend on what else shares its batch (each sequence attends to itself only).
// Thread contract: submit(), stats() and stop() from any thread; everything else runs on the scheduler thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/embedding.h"
#include "engine/embedding_engine.h"
#include "sched/vector_cache.h"
#include "util/channel.h"

namespace hearth::sched {

struct EmbeddingSchedulerConfig {
    size_t queue_capacity = 64;  // jobs waiting; beyond it, 429
    // Tokens per forward pass (capped by the engine's n_batch; a longer input runs alone). Small passes win on
    // encoders: attention in a pass spans all its tokens, so 32 short inputs in one pass of 1100 tokens cost
    // ~15% more than in passes of 256 (bge-small, 2 cores: 53 vs 62 req/s at 32 concurrent clients).
    int32_t max_batch_tokens = 256;
    std::chrono::microseconds batch_window{2000};  // longest wait for more jobs; 0: never wait
    std::string cache_scope;                       // the model's key in the shared cache
};

struct EmbeddingStats {
    size_t queued = 0;
    uint64_t jobs = 0;          // jobs answered (cache hits included)
    uint64_t inputs = 0;        // inputs run through the model
    uint64_t batches = 0;       // forward passes
    uint64_t failed = 0;        // jobs ended with an error
    uint64_t cache_hits = 0;    // this model's inputs answered from the cache
    uint64_t cache_misses = 0;  // this model's inputs looked up and not found
    VectorCacheStats cache;     // the cache all models share: entries, capacity, and everyone's counts
};

class EmbeddingScheduler {
public:
    // Borrows the engine, which must outlive the scheduler; the cache may be null. Starts the thread.
    EmbeddingScheduler(engine::EmbeddingEngine& engine, EmbeddingSchedulerConfig config,
                       std::shared_ptr<VectorCache> cache);
    ~EmbeddingScheduler();
    EmbeddingScheduler(const EmbeddingScheduler&) = delete;
    EmbeddingScheduler& operator=(const EmbeddingScheduler&) = delete;

    // Queues a job, or answers it from the cache. Errors: OVERLOADED (queue full), MODEL_NOT_READY (stopped),
    // INVALID_ARGUMENT (no inputs, or an input the engine cannot take: empty or over n_ctx tokens).
    Result<void> submit(core::EmbeddingJob job);
    EmbeddingStats stats() const;
    // Ends every job (MODEL_NOT_READY) and joins the thread. Idempotent.
    void stop();

private:
    // A queued job with its outputs so far; `todo` lists the inputs the cache did not answer.
    struct Pending {
        core::EmbeddingJob job;
        std::vector<std::vector<float>> vectors;
        std::vector<size_t> todo;
        std::vector<std::string> keys;  // cache key per input (empty when the cache is off)
        size_t next = 0;                // todo entries already placed in a batch
        size_t remaining = 0;           // todo entries not yet computed
        int32_t cached = 0;
        bool finished = false;  // answered (or failed): dropped from active_ after the current batch
    };
    // An input placed in the batch being built: its job (index into active_) and input.
    struct Placed {
        size_t job;
        size_t input;
    };

    void run();
    void gather();
    int64_t pending_tokens(int64_t& inputs) const;
    void drop_cancelled();
    std::vector<Placed> plan_batch();
    void run_batch();
    void complete(Pending& pending);
    void fail(Pending& pending, const Error& error);

    engine::EmbeddingEngine& engine_;
    const EmbeddingSchedulerConfig config_;
    const int32_t budget_;
    std::shared_ptr<VectorCache> cache_;
    Channel<Pending> queue_;
    std::vector<Pending> active_;                          // scheduler thread only: oldest first
    size_t last_batch_jobs_ = 0;                           // scheduler thread only: jobs the last gather collected
    std::chrono::steady_clock::time_point last_gather_{};  // scheduler thread only
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> jobs_{0};
    std::atomic<uint64_t> inputs_{0};
    std::atomic<uint64_t> batches_{0};
    std::atomic<uint64_t> failed_{0};
    std::atomic<uint64_t> cache_hits_{0};
    std::atomic<uint64_t> cache_misses_{0};
    std::thread thread_;  // last: started after every member above is ready
};

}  // namespace hearth::sched
