#pragma once
// Speculative decoding's draft model inside the scheduler: a second, smaller engine whose sequence i shadows
// the target's sequence i and proposes that sequence's next tokens. The draft's KV follows the target's
// lazily: before drafting, what the target holds and the draft lacks is decoded (a new prompt once, then the
// token or two each step added), and what the target dropped (rejected drafts, another conversation) is cut,
// both found by comparing token lists. Every drafting sequence advances in the same decodes: one decode per
// drafted position for all of them, as llama-server's draft-simple does.
// Thread contract: the scheduler thread only (it owns both engines' step APIs).

#include <cstdint>
#include <span>
#include <vector>

#include "engine/text_engine.h"

namespace hearth::sched {

struct DraftParams {
    int32_t n_min = 0;    // a shorter draft is dropped (llama-server's --spec-draft-n-min)
    float p_min = 0.0f;   // drafting stops before a token the draft gives less probability (--draft-p-min)
    int32_t n_vocab = 0;  // the target's vocabulary: a draft token outside it ends the draft
};

struct DraftWant {
    int32_t seq = 0;
    // The sequence's tokens: those in the target's KV, then the one about to be decoded. Non-negative ids
    // only (a sequence holding media cells is not drafted: the draft has no projector).
    std::span<const int32_t> history;
    int32_t n_max = 1;  // >= 1
};

class DraftRunner {
public:
    // Borrows the draft engine, which must outlive the runner and have as many sequences as the target.
    DraftRunner(engine::TextEngine& engine, DraftParams params);

    // Per want, the tokens proposed after its history (possibly none). A failing draft engine costs the
    // drafts, never a request: its sequences are cleared and caught up again next time.
    std::vector<std::vector<int32_t>> propose(std::span<const DraftWant> wants);

private:
    bool catch_up(std::span<const DraftWant> wants, std::vector<int32_t>& rows);
    bool decode_or_reset(std::span<const DraftWant> wants);
    void draft_rounds(std::span<const DraftWant> wants, std::vector<int32_t>& rows,
                      std::vector<std::vector<int32_t>>& drafts);

    engine::TextEngine& engine_;
    const DraftParams params_;
    std::vector<std::vector<int32_t>> cached_;  // per seq: the tokens whose KV the draft holds, in position order
};

}  // namespace hearth::sched
