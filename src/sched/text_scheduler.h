#pragma once
// Continuous batching for one loaded text model. One thread owns the engine and runs steps: admit queued
// requests into free slots (reusing the longest cached prefix), build one batch holding the next token of
// every generating sequence plus prefill chunks of new prompts under a token budget, decode, sample, emit
// events, retire finished or cancelled sequences. Requests wait in a bounded queue.
// Thread contract: submit(), stats() and stop() from any thread; everything else runs on the scheduler thread.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/generation.h"
#include "core/model_spec.h"
#include "engine/text_engine.h"
#include "sched/draft_runner.h"
#include "sched/media_encoder.h"
#include "sched/prompt_cache.h"
#include "sched/slot.h"
#include "sched/step_pacer.h"
#include "util/channel.h"

namespace hearth::sched {

enum class PrefillOrder { FCFS, SHORTEST };
inline constexpr double PREFILL_AGING_TOKENS_PER_S = 100.0;

struct SchedulerConfig {
    size_t queue_capacity = 64;
    int32_t step_token_budget = 512;  // tokens per decode: generating sequences first, then prefill chunks
    double step_stretch = 2.0;        // a step carrying prompt tokens takes at most this x a decode-only one
    // While prompts wait and no stream is past its first token, the new streams wait for the rest of the
    // burst: see TextScheduler::prefill_burst.
    bool burst_prefill = true;
    // Which waiting prompt a step's prompt tokens go to first. FCFS: the oldest admission. SHORTEST: the fewest
    // prompt tokens left, each second of waiting counting as PREFILL_AGING_TOKENS_PER_S tokens fewer, so that
    // under open-loop arrivals short prompts get their first token without waiting behind long ones, and no
    // long prompt waits forever.
    PrefillOrder prefill_order = PrefillOrder::FCFS;
    // Host memory for copies of conversations whose slot went to another prompt (PromptCache); 0: none.
    size_t prompt_cache_bytes = 0;
    // Prompt lookup's most draft tokens per step for requests that leave it to the model; 0: off.
    int32_t lookup_draft_max = 0;
    // With a draft engine: its most tokens per step for requests that do not say, and its other settings.
    int32_t draft_max = core::DEFAULT_DRAFT_MAX;
    DraftParams draft{};
    std::string draft_name{};  // the draft model as configured, for stats
};

struct SchedulerStats {
    int32_t slots_total = 0;
    int32_t slots_busy = 0;
    size_t queued = 0;
    uint64_t finished = 0;
    uint64_t cancelled = 0;
    uint64_t failed = 0;
    // The engine failed in a way a retry will not fix (INTERNAL from decode): the model must be reloaded.
    bool engine_failed = false;
    std::string engine_error;
    int64_t kv_tokens_used = 0;   // KV cells holding tokens, idle slots' reusable prefixes included
    int64_t kv_tokens_total = 0;  // slots x context per slot
    PromptCacheStats prompt_cache;
    uint64_t draft_tokens = 0;  // speculative tokens drafted and accepted by finished requests (running totals)
    uint64_t draft_accepted = 0;
    std::string draft_model;  // SchedulerConfig::draft_name with a draft engine; else empty
};

// What one step's batch holds.
struct StepPlan {
    int32_t n_decode = 0;   // generating sequences' next tokens
    int32_t n_prefill = 0;  // prompt tokens, media rows included
    int32_t n_media = 0;    // media rows (decoded apart from the token batch)
    bool burst = false;     // generating streams held back for a burst's prompts (prefill_burst)
};

class TextScheduler {
public:
    // Borrows the engine, and the draft model's engine when there is one (speculative decoding), which must
    // outlive the scheduler. Starts the thread.
    TextScheduler(engine::TextEngine& engine, SchedulerConfig config, engine::TextEngine* draft = nullptr);
    ~TextScheduler();
    TextScheduler(const TextScheduler&) = delete;
    TextScheduler& operator=(const TextScheduler&) = delete;

    // Queues a request; OVERLOADED when the queue is full, MODEL_NOT_READY once stopped. The request's
    // events channel receives TokenEvents, then exactly one FinishEvent or ErrorEvent.
    Result<void> submit(core::GenerationRequest request);
    SchedulerStats stats() const;
    // Ends every request (ErrorEvent MODEL_NOT_READY) and joins the thread. Idempotent.
    void stop();

private:
    void run();
    bool step();
    void admit();
    Slot* pick_slot(const std::vector<int32_t>& prompt);
    void start_slot(Slot& slot, core::GenerationRequest request);
    size_t reuse_prefix(Slot& slot, const core::GenerationRequest& request);
    void request_encodes(const core::GenerationRequest& request, size_t from);
    bool awaiting_media(const Slot& slot) const;
    int32_t prompt_piece(Slot& slot, int32_t budget);
    int32_t media_piece(Slot& slot, const core::PromptMedia& item, int32_t budget);
    bool decode_media_pieces();
    Result<void> feed_penalties(int32_t seq, const core::GenerationRequest& request);
    void drop_cancelled();
    bool prefill_burst();
    StepPlan plan_batch();
    void order_waiting(std::vector<Slot*>& waiting) const;
    int32_t add_prompt_chunk(Slot& slot, int32_t first_row, int32_t budget);
    void sample_and_emit();
    void emit_token(Slot& slot, int32_t token);
    int32_t plan_drafts(int32_t room);
    int32_t draft_room(const Slot& slot, int32_t wanted, int32_t room, bool adaptive) const;
    int32_t propose_drafts(std::vector<Slot*>& slots, std::vector<int32_t>& limits);
    void emit_drafted(Slot& slot, int32_t first);
    void finish(Slot& slot, core::FinishReason reason);
    void release(Slot& slot);
    void fail(Slot& slot, const Error& error);
    void fail_batch(const Error& error);
    void fail_all(const Error& error);
    bool any_busy() const;

    engine::TextEngine& engine_;
    const SchedulerConfig config_;
    Channel<core::GenerationRequest> queue_;
    std::vector<Slot> slots_;           // scheduler thread only
    StepPacer pacer_;                   // scheduler thread only
    PromptCache prompt_cache_;          // scheduler thread only
    MediaEncoder encoder_;              // its own thread; requested from the scheduler thread
    std::optional<DraftRunner> draft_;  // scheduler thread only; set with a draft engine
    std::atomic<bool> stopping_{false};
    std::atomic<int32_t> busy_{0};
    std::atomic<uint64_t> finished_{0};
    std::atomic<uint64_t> cancelled_{0};
    std::atomic<uint64_t> failed_{0};
    std::atomic<uint64_t> draft_tokens_{0};
    std::atomic<uint64_t> draft_accepted_{0};
    mutable std::mutex engine_error_mutex_;
    std::string engine_error_;           // guarded by engine_error_mutex_; set once the engine is broken
    bool in_burst_ = false;              // scheduler thread: see prefill_burst()
    std::atomic<int64_t> kv_tokens_{0};  // set after each step, read by stats()
    mutable std::mutex stats_mutex_;
    PromptCacheStats prompt_cache_stats_;  // guarded by stats_mutex_: prompt_cache_'s, for stats()
    std::thread thread_;                   // last: started after every member above is ready
};

}  // namespace hearth::sched
