#include "sched/embedding_scheduler.h"

#include <algorithm>

#include "util/log.h"

namespace hearth::sched {

namespace {

using Clock = std::chrono::steady_clock;

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), "input");
}

// An input longer than the budget still runs, alone in its pass (plan_batch), up to the engine's n_batch.
int32_t token_budget(const engine::EmbeddingEngine& engine, const EmbeddingSchedulerConfig& config) {
    return std::max(1, std::min(config.max_batch_tokens, engine.n_batch()));
}

}  // namespace

EmbeddingScheduler::EmbeddingScheduler(engine::EmbeddingEngine& engine, EmbeddingSchedulerConfig config,
                                       std::shared_ptr<VectorCache> cache)
    : engine_(engine),
      config_(std::move(config)),
      budget_(token_budget(engine, config_)),
      cache_(std::move(cache)),
      queue_(config_.queue_capacity) {
    thread_ = std::thread([this] { run(); });
}

EmbeddingScheduler::~EmbeddingScheduler() {
    stop();
}

Result<void> EmbeddingScheduler::submit(core::EmbeddingJob job) {
    if (stopping_.load()) {
        return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
    }
    if (job.inputs.empty()) {
        return invalid("no inputs");
    }
    // A bad input would fail the whole forward pass, and with it every other job in the batch: refuse it here.
    for (const std::vector<int32_t>& input : job.inputs) {
        if (input.empty() || static_cast<int64_t>(input.size()) > engine_.n_ctx()) {
            return invalid("an input holds 1 to " + std::to_string(engine_.n_ctx()) + " tokens, got " +
                           std::to_string(input.size()));
        }
        if (std::any_of(input.begin(), input.end(), [&](int32_t t) { return t < 0 || t >= engine_.n_vocab(); })) {
            return invalid("a token id is outside the vocabulary [0, " + std::to_string(engine_.n_vocab()) + ")");
        }
    }
    Pending pending;
    pending.vectors.resize(job.inputs.size());
    pending.keys.resize(job.inputs.size());
    const bool cached = cache_ && cache_->enabled();
    for (size_t i = 0; i < job.inputs.size(); ++i) {
        if (cached) {
            pending.keys[i] = VectorCache::key(config_.cache_scope, job.inputs[i]);
            if (auto hit = cache_->get(pending.keys[i])) {
                pending.vectors[i] = std::move(*hit);
                ++pending.cached;
                continue;
            }
        }
        pending.todo.push_back(i);
    }
    pending.remaining = pending.todo.size();
    if (cached) {
        cache_hits_.fetch_add(static_cast<uint64_t>(pending.cached));
        cache_misses_.fetch_add(pending.remaining);
    }
    pending.job = std::move(job);
    if (pending.remaining == 0) {
        complete(pending);
        return {};
    }
    switch (queue_.push(std::move(pending))) {
        case PushResult::OK: return {};
        case PushResult::FULL:
            return make_error(ErrorCode::OVERLOADED,
                              "the model's queue is full (" + std::to_string(queue_.capacity()) + " waiting requests)");
        case PushResult::CLOSED: break;
    }
    return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
}

EmbeddingStats EmbeddingScheduler::stats() const {
    EmbeddingStats out;
    out.queued = queue_.size();
    out.jobs = jobs_.load();
    out.inputs = inputs_.load();
    out.batches = batches_.load();
    out.failed = failed_.load();
    out.cache_hits = cache_hits_.load();
    out.cache_misses = cache_misses_.load();
    if (cache_) {
        out.cache = cache_->stats();
    }
    return out;
}

void EmbeddingScheduler::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    queue_.close();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void EmbeddingScheduler::run() {
    while (!stopping_.load()) {
        if (active_.empty()) {
            std::optional<Pending> next;
            if (queue_.pop(next, std::chrono::milliseconds(100)) != PopStatus::OK) {
                continue;
            }
            active_.push_back(std::move(*next));
        }
        gather();
        drop_cancelled();
        if (!active_.empty()) {
            run_batch();
        }
    }
    const Error gone = make_error(ErrorCode::MODEL_NOT_READY, "the model was unloaded");
    for (Pending& pending : active_) {
        fail(pending, gone);
    }
    active_.clear();
    while (auto left = queue_.try_pop()) {
        fail(*left, gone);
    }
}

// Takes every queued job, then waits up to the batch window for more while the next batch is not full: a burst
// of small requests becomes one forward pass instead of one each. Waiting pays only when requests overlap (the
// last batch held several jobs, more are queued, or the last gather began within the window): a lone client is
// served at once (measured: the window cost a client alone 4 ms a request, 15% of bge-small's time). A burst
// from idle thus runs its first job alone and gathers the rest.
void EmbeddingScheduler::gather() {
    const Clock::time_point start = Clock::now();
    const bool overlapping = last_batch_jobs_ > 1 || queue_.size() > 0 || start - last_gather_ < config_.batch_window;
    last_gather_ = start;
    const Clock::time_point deadline = start + (overlapping ? config_.batch_window : Clock::duration::zero());
    while (!stopping_.load()) {
        int64_t inputs = 0;
        const int64_t tokens = pending_tokens(inputs);
        last_batch_jobs_ = active_.size();
        if (tokens >= budget_ || inputs >= engine_.n_seq_max()) {
            return;
        }
        if (auto more = queue_.try_pop()) {
            active_.push_back(std::move(*more));
            continue;
        }
        const Clock::time_point now = Clock::now();
        std::optional<Pending> next;
        if (now >= deadline || queue_.pop(next, deadline - now) != PopStatus::OK) {
            return;
        }
        active_.push_back(std::move(*next));
    }
}

int64_t EmbeddingScheduler::pending_tokens(int64_t& inputs) const {
    int64_t tokens = 0;
    inputs = 0;
    for (const Pending& pending : active_) {
        for (size_t k = pending.next; k < pending.todo.size(); ++k) {
            tokens += static_cast<int64_t>(pending.job.inputs[pending.todo[k]].size());
            ++inputs;
        }
    }
    return tokens;
}

void EmbeddingScheduler::drop_cancelled() {
    for (Pending& pending : active_) {
        if (!pending.finished && pending.job.cancel.is_cancelled()) {
            fail(pending, make_error(ErrorCode::CANCELLED, "the client went away"));
        }
    }
    std::erase_if(active_, [](const Pending& p) { return p.finished; });
}

// Oldest job first, each job's inputs in order, until the token budget or the sequence limit is reached.
std::vector<EmbeddingScheduler::Placed> EmbeddingScheduler::plan_batch() {
    std::vector<Placed> placed;
    int64_t tokens = 0;
    for (size_t j = 0; j < active_.size(); ++j) {
        Pending& pending = active_[j];
        while (pending.next < pending.todo.size()) {
            const size_t input = pending.todo[pending.next];
            const auto n = static_cast<int64_t>(pending.job.inputs[input].size());
            // The first input of a pass always goes in: one longer than the budget runs alone.
            if (!placed.empty() &&
                (tokens + n > budget_ || static_cast<int64_t>(placed.size()) >= engine_.n_seq_max())) {
                return placed;
            }
            placed.push_back({j, input});
            tokens += n;
            ++pending.next;
        }
    }
    return placed;
}

void EmbeddingScheduler::run_batch() {
    const std::vector<Placed> placed = plan_batch();
    std::vector<std::span<const int32_t>> inputs;
    inputs.reserve(placed.size());
    for (const Placed& p : placed) {
        inputs.emplace_back(active_[p.job].job.inputs[p.input]);
    }
    auto outputs = engine_.embed(inputs);
    batches_.fetch_add(1);
    if (!outputs) {
        log::error("embedding batch of {} inputs failed: {}", inputs.size(), outputs.error().message);
        for (const Placed& p : placed) {
            if (!active_[p.job].finished) {
                fail(active_[p.job], outputs.error());
            }
        }
    } else {
        inputs_.fetch_add(placed.size());
        for (size_t k = 0; k < placed.size(); ++k) {
            Pending& pending = active_[placed[k].job];
            if (cache_ && cache_->enabled()) {
                cache_->put(pending.keys[placed[k].input], (*outputs)[k]);
            }
            pending.vectors[placed[k].input] = std::move((*outputs)[k]);
            if (--pending.remaining == 0) {
                complete(pending);
            }
        }
    }
    std::erase_if(active_, [](const Pending& p) { return p.finished; });
}

void EmbeddingScheduler::complete(Pending& pending) {
    pending.finished = true;
    jobs_.fetch_add(1);
    // The channel is the job's own, sized for its one outcome; a full one means nobody waits for it.
    (void)pending.job.done->push(core::EmbeddingOutput{std::move(pending.vectors), pending.cached});
}

void EmbeddingScheduler::fail(Pending& pending, const Error& error) {
    pending.finished = true;
    failed_.fetch_add(1);
    (void)pending.job.done->push(error);
}

}  // namespace hearth::sched
