// TextScheduler's speculative steps (prompt lookup): a generating sequence's draft goes into the shared batch
// after its last token, each draft token with a logits row, and is verified in that same decode. The rule is
// llama-server's for every temperature: sample the target at each row in turn with the sequence's own chain
// and keep going while the sampled token is the drafted one. Every emitted token is thus a draw from the target
// given the tokens before it, so greedy output is token for token the output without drafts, and sampled
// output keeps the target's distribution; grammars, penalties and logprobs see the tokens as usual. Rejected
// draft tokens leave this sequence's KV cache only.
#include <algorithm>

#include "sched/prompt_lookup.h"
#include "sched/text_scheduler.h"

namespace hearth::sched {

// Drafts for the generating sequences that asked for them, within `room` batch rows; returns the rows used.
int32_t TextScheduler::plan_drafts(int32_t room) {
    int32_t used = 0;
    for (Slot& slot : slots_) {
        slot.draft.clear();
        if (slot.state != SlotState::GENERATE || slot.chunk != 1) {
            continue;
        }
        const core::GenerationRequest& request = *slot.request;
        const int32_t wanted = request.lookup_draft_max < 0 ? config_.lookup_draft_max : request.lookup_draft_max;
        if (wanted <= 0) {
            continue;
        }
        // Never past max_tokens (the token after the draft is emitted too) nor the context.
        const auto in_context = engine_.n_ctx_per_slot() - static_cast<int32_t>(slot.cache_tokens.size()) - 2;
        const int32_t cap = slot.draft_limit > 0 ? std::min(slot.draft_limit, wanted) : wanted;
        const int32_t limit = std::min({cap, room - used, request.max_tokens - slot.n_generated - 1, in_context});
        if (limit <= 0) {
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
