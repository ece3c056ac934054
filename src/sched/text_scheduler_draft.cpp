// TextScheduler's speculative steps (prompt lookup, or a draft model through DraftRunner): a generating sequence's
// draft goes into the shared batch after its last token, each draft token with a logits row, and is verified in
// that same decode. The rule is
// llama-server's for every temperature: sample the target at each row in turn with the sequence's own chain
// and keep going while the sampled token is the drafted one. Every emitted token is thus a draw from the target
// given the tokens before it, so greedy output is token for token the output without drafts, and sampled
// output keeps the target's distribution; grammars, penalties and logprobs see the tokens as usual. Rejected
// draft tokens leave this sequence's KV cache only.
#include <algorithm>

#include "sched/prompt_lookup.h"
#include "sched/text_scheduler.h"

namespace hearth::sched {

namespace {

struct Speculating {
    core::Speculation kind = core::Speculation::NONE;
    int32_t n_max = 0;
};

// What the request gets on this model (core::Speculation), and its most draft tokens per step.
Speculating speculation_of(const core::GenerationRequest& request, const SchedulerConfig& config, bool has_draft) {
    core::Speculation kind = request.speculation;
    if (kind == core::Speculation::MODEL_DEFAULT) {
        const bool lookup = request.draft_max > 0 || config.lookup_draft_max > 0;
        kind = has_draft ? core::Speculation::DRAFT_MODEL
                         : (lookup ? core::Speculation::PROMPT_LOOKUP : core::Speculation::NONE);
    }
    if (kind == core::Speculation::NONE || (kind == core::Speculation::DRAFT_MODEL && !has_draft)) {
        return {};
    }
    const int32_t model_max = kind == core::Speculation::DRAFT_MODEL
                                  ? config.draft_max
                                  : (config.lookup_draft_max > 0 ? config.lookup_draft_max : LOOKUP_DRAFT_DEFAULT);
    return {kind, request.draft_max > 0 ? request.draft_max : model_max};
}

}  // namespace

// Drafts for the generating sequences that get them, within `room` batch rows; returns the rows used. Prompt
// lookup drafts one sequence at a time; the draft model drafts all of its sequences together.
int32_t TextScheduler::plan_drafts(int32_t room) {
    int32_t used = 0;
    std::vector<Slot*> by_model;
    std::vector<int32_t> limits;
    for (Slot& slot : slots_) {
        slot.draft.clear();
        if (slot.state != SlotState::GENERATE || slot.chunk != 1) {
            continue;
        }
        const Speculating spec = speculation_of(*slot.request, config_, draft_.has_value());
        // The draft model has no projector: a sequence holding an image's cells is not drafted by it.
        const bool usable = spec.kind != core::Speculation::DRAFT_MODEL || slot.request->media.empty();
        const bool adaptive = spec.kind == core::Speculation::PROMPT_LOOKUP;
        const int32_t limit = spec.n_max > 0 && usable ? draft_room(slot, spec.n_max, room - used, adaptive) : 0;
        if (limit <= 0) {
            continue;
        }
        if (spec.kind == core::Speculation::DRAFT_MODEL) {
            by_model.push_back(&slot);
            limits.push_back(limit);
            used += limit;  // reserved; what the draft model does not fill is given back below
            continue;
        }
        // The history to match is the cache plus the token about to be decoded: appended for the lookup only,
        // rather than copying the whole context every step.
        slot.cache_tokens.push_back(slot.last_token);
        slot.draft = prompt_lookup_draft(slot.cache_tokens, limit);
        slot.cache_tokens.pop_back();
        slot.chunk += static_cast<int32_t>(slot.draft.size());
        used += static_cast<int32_t>(slot.draft.size());
    }
    for (const int32_t limit : limits) {
        used -= limit;
    }
    return used + propose_drafts(by_model, limits);
}

// The most draft tokens the slot may add: its request's, the adaptive limit, the batch's room, max_tokens
// (the token after the draft is emitted too) and the context.
int32_t TextScheduler::draft_room(const Slot& slot, int32_t wanted, int32_t room, bool adaptive) const {
    const auto in_context = engine_.n_ctx_per_slot() - static_cast<int32_t>(slot.cache_tokens.size()) - 2;
    const int32_t cap = adaptive && slot.draft_limit > 0 ? std::min(slot.draft_limit, wanted) : wanted;
    return std::min({cap, room, slot.request->max_tokens - slot.n_generated - 1, in_context});
}

// The draft model's proposals for the slots, each within its limit; returns the rows they take.
int32_t TextScheduler::propose_drafts(std::vector<Slot*>& slots, std::vector<int32_t>& limits) {
    if (slots.empty()) {
        return 0;
    }
    std::vector<DraftWant> wants;
    for (size_t i = 0; i < slots.size(); ++i) {
        slots[i]->cache_tokens.push_back(slots[i]->last_token);  // popped below, as in prompt lookup
        wants.push_back({slots[i]->seq, slots[i]->cache_tokens, limits[i]});
    }
    std::vector<std::vector<int32_t>> drafts = draft_->propose(wants);
    int32_t used = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
        Slot& slot = *slots[i];
        slot.cache_tokens.pop_back();
        slot.draft = std::move(drafts[i]);
        slot.chunk += static_cast<int32_t>(slot.draft.size());
        used += static_cast<int32_t>(slot.draft.size());
    }
    return used;
}

// `first` was sampled after the slot's last token; the draft's rows follow it in the batch.
void TextScheduler::emit_drafted(Slot& slot, int32_t first) {
    const int32_t first_row = slot.batch_index;
    std::vector<int32_t> tokens{first};
    while (tokens.size() <= slot.draft.size() && tokens.back() == slot.draft[tokens.size() - 1]) {
        auto next = engine_.sample(slot.seq, first_row + static_cast<int32_t>(tokens.size()));
        if (!next) {
            engine_.seq_clear(slot.seq);  // its KV holds drafts no one checked
            slot.cache_tokens.clear();
            return fail(slot, next.error());
        }
        tokens.push_back(*next);
    }
    const size_t accepted = tokens.size() - 1;
    const size_t rejected = slot.draft.size() - accepted;
    slot.draft_tokens += static_cast<int32_t>(slot.draft.size());
    slot.draft_accepted += static_cast<int32_t>(accepted);
    // Rejected rows cost as much as accepted ones: the next draft is as long as this one's accepted run plus
    // one, and twice as long after a draft taken whole.
    slot.draft_limit = static_cast<int32_t>(accepted == slot.draft.size() ? 2 * slot.draft.size() : accepted + 1);
    slot.draft.clear();
    if (rejected > 0) {
        const size_t keep = slot.cache_tokens.size() - rejected;
        if (!engine_.seq_truncate(slot.seq, static_cast<int32_t>(keep))) {
            engine_.seq_clear(slot.seq);
            slot.cache_tokens.clear();
            return fail(slot, make_error(ErrorCode::INTERNAL, "the engine cannot drop rejected draft tokens"));
        }
        slot.cache_tokens.resize(keep);
    }
    // The accepted draft tokens are in the KV cache already; the last token emitted is the next to decode.
    for (size_t i = 0; i < tokens.size() && slot.state == SlotState::GENERATE; ++i) {
        slot.batch_index = first_row + static_cast<int32_t>(i);
        emit_token(slot, tokens[i]);
    }
}

}  // namespace hearth::sched
