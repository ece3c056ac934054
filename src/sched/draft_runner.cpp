#include "sched/draft_runner.h"

#include <algorithm>

#include "sched/prompt_cache.h"
#include "util/log.h"

namespace hearth::sched {

DraftRunner::DraftRunner(engine::TextEngine& engine, DraftParams params)
    : engine_(engine), params_(params), cached_(static_cast<size_t>(engine.n_slots())) {}

std::vector<std::vector<int32_t>> DraftRunner::propose(std::span<const DraftWant> wants) {
    std::vector<std::vector<int32_t>> drafts(wants.size());
    // Each drafting sequence takes a batch row per round: no more of them than a batch holds.
    const auto drafting = wants.first(std::min(wants.size(), static_cast<size_t>(std::max(engine_.n_batch(), 0))));
    std::vector<int32_t> rows(drafting.size(), -1);
    if (drafting.empty() || !catch_up(drafting, rows)) {
        return drafts;
    }
    draft_rounds(drafting, rows, drafts);
    for (auto& draft : drafts) {
        if (static_cast<int32_t>(draft.size()) < params_.n_min) {
            draft.clear();
        }
    }
    return drafts;
}

// Brings each want's sequence to its history, the last history token decoded in the final batch with logits
// (rows[i]: its row there). Tokens the draft lacks beyond what one batch takes go first, without logits.
bool DraftRunner::catch_up(std::span<const DraftWant> wants, std::vector<int32_t>& rows) {
    std::vector<size_t> next(wants.size());
    size_t pending = 0;
    for (size_t i = 0; i < wants.size(); ++i) {
        const DraftWant& want = wants[i];
        std::vector<int32_t>& cached = cached_[static_cast<size_t>(want.seq)];
        // The last history token is always decoded afresh: its logits start the draft.
        size_t keep = std::min(common_prefix(cached, want.history), want.history.size() - 1);
        if (keep < cached.size() && !engine_.seq_truncate(want.seq, static_cast<int32_t>(keep))) {
            engine_.seq_clear(want.seq);
            keep = 0;
        }
        cached.resize(keep);
        next[i] = keep;
        pending += want.history.size() - keep;
    }
    const auto capacity = static_cast<size_t>(engine_.n_batch());
    bool final_batch = false;
    while (!final_batch) {
        final_batch = pending <= capacity;
        engine_.batch_clear();
        size_t added = 0;
        for (size_t i = 0; i < wants.size() && added < capacity; ++i) {
            const DraftWant& want = wants[i];
            const size_t end = final_batch ? want.history.size() : want.history.size() - 1;
            for (; next[i] < end && added < capacity; ++next[i], ++added) {
                const bool last = next[i] + 1 == want.history.size();
                if (last) {
                    rows[i] = static_cast<int32_t>(added);
                }
                engine_.batch_add(want.history[next[i]], static_cast<int32_t>(next[i]), want.seq, last);
                cached_[static_cast<size_t>(want.seq)].push_back(want.history[next[i]]);
            }
        }
        pending -= added;
        if (!decode_or_reset(wants)) {
            return false;
        }
    }
    return true;
}

// One drafted position per decode for every sequence still drafting.
void DraftRunner::draft_rounds(std::span<const DraftWant> wants, std::vector<int32_t>& rows,
                               std::vector<std::vector<int32_t>>& drafts) {
    for (size_t round = 0;; ++round) {
        // Every guess of the last decode first: the next batch is built after.
        std::vector<engine::TokenGuess> guesses(wants.size());
        for (size_t i = 0; i < wants.size(); ++i) {
            if (rows[i] < 0) {
                continue;
            }
            if (auto guess = engine_.most_likely(rows[i], params_.p_min > 0.0f)) {
                guesses[i] = *guess;
            }
        }
        engine_.batch_clear();
        int32_t added = 0;
        for (size_t i = 0; i < wants.size(); ++i) {
            const engine::TokenGuess& guess = guesses[i];
            const bool drafting = rows[i] >= 0;
            rows[i] = -1;
            if (!drafting || guess.p < params_.p_min || guess.token < 0 || guess.token >= params_.n_vocab) {
                continue;
            }
            drafts[i].push_back(guess.token);
            if (static_cast<int32_t>(drafts[i].size()) >= wants[i].n_max || engine_.is_eog(guess.token)) {
                continue;  // nothing is worth drafting past the end of the text
            }
            const auto pos = static_cast<int32_t>(wants[i].history.size() + round);
            engine_.batch_add(guess.token, pos, wants[i].seq, true);
            cached_[static_cast<size_t>(wants[i].seq)].push_back(guess.token);
            rows[i] = added++;
        }
        if (added == 0 || !decode_or_reset(wants)) {
            return;
        }
    }
}

// A failed draft decode leaves the wants' sequences in no known state: empty them (they catch up next time).
bool DraftRunner::decode_or_reset(std::span<const DraftWant> wants) {
    auto decoded = engine_.decode();
    if (decoded) {
        return true;
    }
    log::warn("draft model decode failed, no drafts this step: {}", decoded.error().message);
    for (const DraftWant& want : wants) {
        engine_.seq_clear(want.seq);
        cached_[static_cast<size_t>(want.seq)].clear();
    }
    return false;
}

}  // namespace hearth::sched
