#include "sched/text_scheduler.h"

#include <algorithm>

#include "util/log.h"

namespace hearth::sched {

namespace {

using Clock = std::chrono::steady_clock;

// A restore copies the whole state of a conversation: worth it only for this many prompt tokens or more.
constexpr size_t MIN_RESTORE_GAIN = 16;
// Encoded images kept for requests to come (n choices, retries); a few MB each.
constexpr size_t MEDIA_RESULTS_KEPT = 8;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// How many of the prompt's last tokens the sequence's penalties see. llama-server feeds the whole prompt into
// the chain, whose penalty window keeps only the last penalty_last_n (negative: the whole context) tokens;
// without penalties the chain ignores them all.
size_t penalty_history(const core::SamplingParams& params, size_t n_prompt) {
    const bool penalised =
        params.repeat_penalty != 1.0f || params.frequency_penalty != 0.0f || params.presence_penalty != 0.0f;
    if (!penalised || params.penalty_last_n == 0) {
        return 0;
    }
    return params.penalty_last_n < 0 ? n_prompt : std::min(n_prompt, static_cast<size_t>(params.penalty_last_n));
}

PacerConfig pacer_config(const engine::TextEngine& engine, const SchedulerConfig& config) {
    PacerConfig out;
    out.max_step_tokens = std::min(config.step_token_budget, engine.n_batch());
    out.n_slots = engine.n_slots();
    out.stretch = config.step_stretch;
    return out;
}

void send(core::GenerationRequest& request, core::GenerationEvent event) {
    // Channels are sized by the request's creator for every event it can get; a full one means the
    // handler is gone, and dropping is right.
    (void)request.events->push(std::move(event));
}

}  // namespace

TextScheduler::TextScheduler(engine::TextEngine& engine, SchedulerConfig config, engine::TextEngine* draft)
    : engine_(engine),
      config_(config),
      queue_(config.queue_capacity),
      pacer_(pacer_config(engine, config)),
      prompt_cache_(config.prompt_cache_bytes),
      encoder_(engine, MEDIA_RESULTS_KEPT) {
    if (draft != nullptr) {
        DraftParams params = config.draft;
        params.n_vocab = engine.n_vocab();
        draft_.emplace(*draft, params);
    }
    slots_.resize(static_cast<size_t>(engine_.n_slots()));
    for (size_t i = 0; i < slots_.size(); ++i) {
        slots_[i].seq = static_cast<int32_t>(i);
    }
    thread_ = std::thread([this] { run(); });
}

TextScheduler::~TextScheduler() {
    stop();
}

Result<void> TextScheduler::submit(core::GenerationRequest request) {
    if (stopping_.load()) {
        return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
    }
    switch (queue_.push(std::move(request))) {
        case PushResult::OK: return {};
        case PushResult::FULL:
            return make_error(ErrorCode::OVERLOADED,
                              "the model's queue is full (" + std::to_string(queue_.capacity()) + " waiting requests)");
        case PushResult::CLOSED: break;
    }
    return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
}

SchedulerStats TextScheduler::stats() const {
    SchedulerStats stats;
    stats.slots_total = static_cast<int32_t>(slots_.size());
    stats.slots_busy = busy_.load();
    stats.queued = queue_.size();
    stats.finished = finished_.load();
    stats.cancelled = cancelled_.load();
    stats.failed = failed_.load();
    stats.kv_tokens_used = kv_tokens_.load();
    stats.kv_tokens_total = static_cast<int64_t>(slots_.size()) * engine_.n_ctx_per_slot();
    {
        std::lock_guard lock(stats_mutex_);
        stats.prompt_cache = prompt_cache_stats_;
    }
    stats.draft_tokens = draft_tokens_.load();
    stats.draft_accepted = draft_accepted_.load();
    stats.draft_model = draft_ ? config_.draft_name : std::string();
    std::lock_guard lock(engine_error_mutex_);
    stats.engine_failed = !engine_error_.empty();
    stats.engine_error = engine_error_;
    return stats;
}

void TextScheduler::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    queue_.close();
    if (thread_.joinable()) {
        thread_.join();
    }
    encoder_.stop();
}

void TextScheduler::run() {
    while (!stopping_.load()) {
        if (!any_busy()) {
            std::optional<core::GenerationRequest> next;
            if (queue_.pop(next, std::chrono::milliseconds(100)) != PopStatus::OK) {
                continue;
            }
            Slot* slot = pick_slot(next->prompt_tokens);
            start_slot(*slot, std::move(*next));
        }
        if (!step() && any_busy()) {
            encoder_.wait(std::chrono::milliseconds(20));  // every busy slot waits for its image's encode
        }
    }
    fail_all(make_error(ErrorCode::MODEL_NOT_READY, "the model was unloaded"));
    while (auto left = queue_.try_pop()) {
        send(*left, core::ErrorEvent{make_error(ErrorCode::MODEL_NOT_READY, "the model was unloaded")});
    }
}

// One step: admit -> drop cancelled -> plan -> decode -> sample/emit. False when there was nothing to do.
bool TextScheduler::step() {
    admit();
    drop_cancelled();
    const StepPlan plan = plan_batch();
    if (plan.n_decode + plan.n_prefill == 0) {
        return false;
    }
    const auto start = Clock::now();
    if (!decode_media_pieces()) {
        return true;
    }
    if (plan.n_decode + plan.n_prefill > plan.n_media) {
        if (auto decoded = engine_.decode(); !decoded) {
            fail_batch(decoded.error());
            return true;
        }
    }
    const auto decoded_at = Clock::now();
    sample_and_emit();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    pacer_.record(plan.n_decode, plan.n_prefill, seconds);
    log::debug("step: {} decode + {} prompt tokens, {:.1f} ms ({:.1f} sampling){}", plan.n_decode, plan.n_prefill,
               seconds * 1000, ms_between(decoded_at, Clock::now()), plan.burst ? " (burst)" : "");
    int64_t kv_tokens = 0;
    for (const Slot& slot : slots_) {
        kv_tokens += static_cast<int64_t>(slot.cache_tokens.size());
    }
    kv_tokens_ = kv_tokens;
    return true;
}

bool TextScheduler::any_busy() const {
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.state != SlotState::IDLE; });
}

void TextScheduler::admit() {
    while (std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.state == SlotState::IDLE; })) {
        std::optional<core::GenerationRequest> next = queue_.try_pop();
        if (!next) {
            return;
        }
        if (next->cancel.is_cancelled()) {
            cancelled_++;
            continue;
        }
        start_slot(*pick_slot(next->prompt_tokens), std::move(*next));
    }
}

// The idle slot whose cached tokens share the longest prefix with the prompt (llama-server's cache_prompt).
Slot* TextScheduler::pick_slot(const std::vector<int32_t>& prompt) {
    Slot* best = nullptr;
    size_t best_len = 0;
    for (Slot& s : slots_) {
        if (s.state != SlotState::IDLE) {
            continue;
        }
        const size_t len = common_prefix(s.cache_tokens, prompt);
        if (best == nullptr || len > best_len) {
            best = &s;
            best_len = len;
        }
    }
    return best;
}

void TextScheduler::start_slot(Slot& slot, core::GenerationRequest request) {
    const size_t keep = reuse_prefix(slot, request);
    const bool ends_with_media =
        !request.prompt_tokens.empty() && core::is_media_placeholder(request.prompt_tokens.back());
    if (!ends_with_media) {
        request_encodes(request, keep);
    }
    slot.n_prompt_done = keep;
    slot.n_generated = 0;
    slot.last_token = -1;
    slot.draft.clear();
    slot.draft_tokens = 0;
    slot.draft_accepted = 0;
    slot.draft_limit = 0;
    slot.batch_index = -1;
    slot.output = TextOutput(request.stop);
    slot.usage = core::Usage{static_cast<int32_t>(request.prompt_tokens.size()), 0, static_cast<int32_t>(keep)};
    slot.t_admitted = Clock::now();
    engine_.reset_sampler(slot.seq, request.sampling);
    Result<void> fed = feed_penalties(slot.seq, request);
    slot.request = std::move(request);
    slot.state = SlotState::PREFILL;
    busy_++;
    if (!fed) {
        fail(slot, fed.error());  // now, alone: at decode its refused token would fail the whole batch
    } else if (ends_with_media) {
        fail(slot, make_error(ErrorCode::INVALID_ARGUMENT, "a prompt must end with text, not an image"));
    }
}

// How many of the prompt's first tokens the slot's sequence holds after reusing what it can: its own cached
// prefix (llama-server's cache_prompt), or a longer one restored from the host prompt cache, into which the
// conversation the slot held goes first when the new prompt keeps less than half of it. The last prompt
// token is always evaluated: its logits start generation.
size_t TextScheduler::reuse_prefix(Slot& slot, const core::GenerationRequest& request) {
    const std::vector<int32_t>& prompt = request.prompt_tokens;
    const size_t limit = prompt.empty() || !request.cache_prompt ? 0 : prompt.size() - 1;
    const std::span<const int32_t> wanted(prompt.data(), limit);
    size_t keep = common_prefix(slot.cache_tokens, wanted);
    if (prompt_cache_.enabled()) {
        if (keep * 2 < slot.cache_tokens.size() && prompt_cache_.worth_saving(slot.cache_tokens)) {
            if (auto state = engine_.seq_state_save(slot.seq)) {
                prompt_cache_.save(slot.cache_tokens, std::move(*state));
            }
        }
        if (const PromptCacheEntry* entry = prompt_cache_.best(wanted, keep + MIN_RESTORE_GAIN - 1)) {
            if (engine_.seq_state_load(slot.seq, entry->state)) {
                slot.cache_tokens = entry->tokens;
                const size_t restored = common_prefix(slot.cache_tokens, wanted);
                prompt_cache_.count_restore(restored - keep);
                keep = restored;
            } else {
                keep = 0;  // a failed restore leaves the sequence in no known state: it is emptied below
            }
        }
        std::lock_guard lock(stats_mutex_);
        prompt_cache_stats_ = prompt_cache_.stats();
    }
    keep = core::media_safe_prefix(request.media, keep);
    if (!engine_.seq_truncate(slot.seq, static_cast<int32_t>(keep))) {
        engine_.seq_clear(slot.seq);
        keep = 0;
    }
    slot.cache_tokens.resize(keep);
    return keep;
}

Result<void> TextScheduler::feed_penalties(int32_t seq, const core::GenerationRequest& request) {
    const auto& prompt = request.prompt_tokens;
    const size_t n = penalty_history(request.sampling, prompt.size());
    for (size_t i = prompt.size() - n; i < prompt.size(); ++i) {
        if (core::is_media_placeholder(prompt[i])) {
            continue;  // an image's cells are no tokens to penalise (nor does llama-server count them)
        }
        if (auto accepted = engine_.accept(seq, prompt[i]); !accepted) {
            return accepted;
        }
    }
    return {};
}

void TextScheduler::drop_cancelled() {
    for (Slot& slot : slots_) {
        if (slot.state != SlotState::IDLE && slot.request->cancel.is_cancelled()) {
            cancelled_++;
            finish(slot, core::FinishReason::CANCELLED);
        }
    }
}

// A burst: more prompts wait than streams generate, and no stream is past its first token (they came in
// together, as after a wave of streams that ended at once). Until the burst's prompts are all in (new
// arrivals join it), those streams wait: prompts get the whole batch (fewer, bigger passes, the cheapest per
// token) and the streams then decode together in full passes, instead of each later prompt of the burst
// stalling them mid-stream. What they pay is one longer gap after their first token. A stream past its first
// token is never held back, and a prompt arriving after a burst's prompts are all in, beside as many streams
// as prompts, is paced as usual.
bool TextScheduler::prefill_burst() {
    int32_t waiting = 0;
    int32_t generating = 0;
    bool started = false;  // some stream is past its first token
    for (const Slot& slot : slots_) {
        waiting += slot.state == SlotState::PREFILL && !awaiting_media(slot) ? 1 : 0;
        generating += slot.state == SlotState::GENERATE ? 1 : 0;
        started = started || (slot.state == SlotState::GENERATE && slot.n_generated > 1);
    }
    if (!config_.burst_prefill || waiting == 0 || started) {
        in_burst_ = false;
        return false;
    }
    in_burst_ = in_burst_ || waiting > generating;
    return in_burst_;
}

// Every generating sequence's next token (a new prompt never stalls them, except in a burst), then prompt
// chunks: the pacer sets how many prompt tokens fit, oldest admission first. Tokens go into the batch in sequence-id
// order: with a KV stream per sequence llama.cpp splits a batch into passes of consecutive sequence ids, and each pass
// reads every weight again, so an out-of-order batch costs extra passes.
StepPlan TextScheduler::plan_batch() {
    engine_.batch_clear();
    const int32_t capacity = std::min(config_.step_token_budget, engine_.n_batch());
    StepPlan plan;
    std::vector<Slot*> waiting;
    plan.burst = prefill_burst();
    for (Slot& slot : slots_) {
        slot.batch_index = -1;
        slot.chunk = 0;
        slot.draft.clear();
        slot.media_rows.reset();
        if (slot.state == SlotState::GENERATE && !plan.burst && plan.n_decode < capacity) {
            slot.chunk = 1;
            plan.n_decode++;
        } else if (slot.state == SlotState::PREFILL) {
            waiting.push_back(&slot);
        }
    }
    // Drafts only in steps without waiting prompts: they would take the prompts' budget, and a busy batch
    // gains little from them.
    if (waiting.empty() && !plan.burst) {
        plan.n_decode += plan_drafts(capacity - plan.n_decode);
    }
    int32_t budget = std::min(capacity - plan.n_decode, pacer_.prefill_budget(plan.n_decode));
    order_waiting(waiting);
    for (Slot* slot : waiting) {
        slot->chunk = prompt_piece(*slot, std::max(budget, 0));
        budget -= slot->chunk;
        plan.n_prefill += slot->chunk;
        plan.n_media += slot->media_rows ? slot->chunk : 0;
    }
    int32_t row = 0;
    for (Slot& slot : slots_) {
        if (slot.chunk > 0 && slot.state == SlotState::GENERATE) {
            engine_.batch_add(slot.last_token, static_cast<int32_t>(slot.cache_tokens.size()), slot.seq, true);
            slot.cache_tokens.push_back(slot.last_token);
            slot.batch_index = row++;
            for (const int32_t token : slot.draft) {
                engine_.batch_add(token, static_cast<int32_t>(slot.cache_tokens.size()), slot.seq, true);
                slot.cache_tokens.push_back(token);
                ++row;
            }
        } else if (slot.chunk > 0 && !slot.media_rows) {
            row += add_prompt_chunk(slot, row, slot.chunk);
        }
    }
    return plan;
}

// The order in which waiting prompts get a step's prompt tokens (SchedulerConfig::prefill_order).
void TextScheduler::order_waiting(std::vector<Slot*>& waiting) const {
    if (config_.prefill_order == PrefillOrder::FCFS) {
        std::sort(waiting.begin(), waiting.end(),
                  [](const Slot* a, const Slot* b) { return a->t_admitted < b->t_admitted; });
        return;
    }
    const auto now = Clock::now();
    const auto rank = [now](const Slot* s) {
        const double left = static_cast<double>(s->request->prompt_tokens.size() - s->n_prompt_done);
        return left - std::chrono::duration<double>(now - s->t_admitted).count() * PREFILL_AGING_TOKENS_PER_S;
    };
    std::stable_sort(waiting.begin(), waiting.end(),
                     [&rank](const Slot* a, const Slot* b) { return rank(a) < rank(b); });
}

// Adds up to `budget` of the slot's remaining prompt tokens at batch rows from `first_row`; the last prompt
// token asks for logits (they start generation). Returns how many were added.
int32_t TextScheduler::add_prompt_chunk(Slot& slot, int32_t first_row, int32_t budget) {
    const auto& prompt = slot.request->prompt_tokens;
    int32_t added = 0;
    while (slot.n_prompt_done < prompt.size() && added < budget) {
        const bool last = slot.n_prompt_done + 1 == prompt.size();
        const int32_t token = prompt[slot.n_prompt_done];
        engine_.batch_add(token, static_cast<int32_t>(slot.cache_tokens.size()), slot.seq, last);
        slot.cache_tokens.push_back(token);
        slot.n_prompt_done++;
        if (last) {
            slot.batch_index = first_row + added;
        }
        ++added;
    }
    return added;
}

void TextScheduler::sample_and_emit() {
    std::vector<Slot*> sampled;
    std::vector<engine::SampleRequest> items;
    for (Slot& slot : slots_) {
        if (slot.batch_index >= 0 && slot.state != SlotState::IDLE) {
            sampled.push_back(&slot);
            items.push_back({slot.seq, slot.batch_index});
        }
    }
    std::vector<Result<int32_t>> tokens = engine_.sample_batch(items);
    for (size_t i = 0; i < sampled.size(); ++i) {
        Slot& slot = *sampled[i];
        if (i >= tokens.size() || !tokens[i]) {
            fail(slot, i < tokens.size() ? tokens[i].error() : make_error(ErrorCode::INTERNAL, "no token sampled"));
            continue;
        }
        if (slot.state == SlotState::PREFILL) {
            slot.state = SlotState::GENERATE;
            slot.t_first_token = Clock::now();
        }
        if (slot.draft.empty()) {
            emit_token(slot, *tokens[i]);
        } else {
            emit_drafted(slot, *tokens[i]);
        }
    }
    // A burst ends once its prompts are all in; a prompt arriving after that starts a new one or is paced.
    if (std::none_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.state == SlotState::PREFILL; })) {
        in_burst_ = false;
    }
}

void TextScheduler::emit_token(Slot& slot, int32_t token) {
    core::GenerationRequest& request = *slot.request;
    slot.n_generated++;
    slot.last_token = token;
    if (engine_.is_eog(token) && !request.sampling.ignore_eos) {
        return finish(slot, core::FinishReason::STOP);
    }
    core::TokenEvent event;
    event.choice = request.choice;
    event.tokens.push_back(token);
    if (request.logprobs) {
        auto probs = engine_.logprobs(slot.batch_index, token, request.top_logprobs);
        if (!probs.empty()) {
            event.logprobs.push_back(probs.front());
            event.top_logprobs.emplace_back(probs.begin() + 1, probs.end());
        }
    }
    // Preserved tokens (tool-call markers) reach the chat parser as text; other control tokens stay silent.
    const auto& preserved = request.preserved_tokens;
    const bool special = std::find(preserved.begin(), preserved.end(), token) != preserved.end();
    const TextOutput::Step out = slot.output.push(engine_.token_text(token, special));
    event.text = out.text;
    send(request, std::move(event));
    if (out.stopped) {
        return finish(slot, core::FinishReason::STOP);
    }
    const bool context_full = static_cast<int32_t>(slot.cache_tokens.size()) + 1 >= engine_.n_ctx_per_slot();
    if (slot.n_generated >= request.max_tokens || context_full) {
        finish(slot, core::FinishReason::LENGTH);
    }
}

void TextScheduler::finish(Slot& slot, core::FinishReason reason) {
    core::GenerationRequest& request = *slot.request;
    if (reason != core::FinishReason::CANCELLED) {
        if (std::string rest = slot.output.flush(); !rest.empty()) {
            core::TokenEvent tail;
            tail.choice = request.choice;
            tail.text = std::move(rest);
            send(request, std::move(tail));
        }
        finished_++;
    }
    const auto now = Clock::now();
    core::FinishEvent done;
    done.choice = request.choice;
    done.reason = reason;
    done.stop_sequence = reason == core::FinishReason::STOP ? slot.output.matched_stop() : std::string();
    done.usage = slot.usage;
    done.usage.completion_tokens = slot.n_generated;
    const bool started = slot.state == SlotState::GENERATE;
    done.timings.queue_ms = ms_between(request.arrival, slot.t_admitted);
    done.timings.ttft_ms = started ? ms_between(request.arrival, slot.t_first_token) : 0;
    done.timings.prompt_ms = started ? ms_between(slot.t_admitted, slot.t_first_token) : 0;
    done.timings.decode_ms = started ? ms_between(slot.t_first_token, now) : 0;
    done.timings.prompt_tokens_evaluated = done.usage.prompt_tokens - done.usage.cached_prompt_tokens;
    done.timings.draft_tokens = slot.draft_tokens;
    done.timings.draft_tokens_accepted = slot.draft_accepted;
    draft_tokens_ += static_cast<uint64_t>(slot.draft_tokens);
    draft_accepted_ += static_cast<uint64_t>(slot.draft_accepted);
    // The slot is free before the last event goes out: whoever sees the end also sees the slot released.
    core::GenerationRequest ended = std::move(request);
    release(slot);
    send(ended, std::move(done));
}

void TextScheduler::release(Slot& slot) {
    slot.request.reset();
    slot.state = SlotState::IDLE;
    slot.batch_index = -1;
    busy_--;
}

void TextScheduler::fail(Slot& slot, const Error& error) {
    core::GenerationRequest ended = std::move(*slot.request);
    failed_++;
    release(slot);
    send(ended, core::ErrorEvent{error});
}

// A failed decode leaves the batch's sequences in an unknown state: fail their requests, clear their KV.
void TextScheduler::fail_batch(const Error& error) {
    log::error("decode failed: {}", error.message);
    if (error.code == ErrorCode::INTERNAL) {
        std::lock_guard lock(engine_error_mutex_);
        if (engine_error_.empty()) {
            engine_error_ = error.message;
        }
    }
    for (Slot& slot : slots_) {
        if (slot.state == SlotState::IDLE) {
            continue;
        }
        engine_.seq_clear(slot.seq);
        slot.cache_tokens.clear();
        fail(slot, error);
    }
}

void TextScheduler::fail_all(const Error& error) {
    for (Slot& slot : slots_) {
        if (slot.state != SlotState::IDLE) {
            fail(slot, error);
        }
    }
}

}  // namespace hearth::sched
