#pragma once
// One sequence of the model's context and the request it is serving. Owned by TextScheduler; touched only
// on the scheduler thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/generation.h"
#include "sched/media_encoder.h"
#include "sched/text_output.h"

namespace hearth::sched {

enum class SlotState { IDLE, PREFILL, GENERATE };

struct Slot {
    int32_t seq = 0;
    SlotState state = SlotState::IDLE;
    std::optional<core::GenerationRequest> request;
    std::vector<int32_t> cache_tokens;  // tokens whose KV is in this sequence, in position order
    size_t n_prompt_done = 0;           // prompt tokens whose KV is in the cache
    int32_t last_token = -1;            // sampled, not yet decoded
    int32_t n_generated = 0;
    int32_t batch_index = -1;  // row of this step's logits to sample from; -1 when none
    int32_t chunk = 0;         // tokens this step's batch holds for the sequence
    // Prompt lookup: this step's draft, decoded after last_token, one logits row each (text_scheduler_draft.cpp).
    std::vector<int32_t> draft;
    int32_t draft_tokens = 0;  // drafted over the request, and accepted
    int32_t draft_accepted = 0;
    int32_t draft_limit = 0;  // the next draft's most tokens, from how the last one fared; 0: the request's
    // When this step's prompt piece is an image's: its encoded rows, from row media_first on (chunk rows).
    MediaRows media_rows;
    int32_t media_first = 0;
    TextOutput output;
    core::Usage usage;
    std::chrono::steady_clock::time_point t_admitted;
    std::chrono::steady_clock::time_point t_first_token;
};

}  // namespace hearth::sched
