#include "sched/prompt_lookup.h"

#include <algorithm>

namespace hearth::sched {

std::vector<int32_t> prompt_lookup_draft(std::span<const int32_t> history, int32_t n_max) {
    const auto size = static_cast<int64_t>(history.size());
    for (int64_t n = std::min<int64_t>(LOOKUP_NGRAM_MAX, size - 1); n >= LOOKUP_NGRAM_MIN && n_max > 0; --n) {
        const auto suffix = history.subspan(static_cast<size_t>(size - n));
        if (std::any_of(suffix.begin(), suffix.end(), [](int32_t t) { return t < 0; })) {
            continue;
        }
        // The most recent earlier occurrence: the newest context is the likeliest to continue alike.
        for (int64_t start = size - n - 1; start >= 0; --start) {
            if (!std::equal(suffix.begin(), suffix.end(), history.begin() + start)) {
                continue;
            }
            std::vector<int32_t> draft;
            for (int64_t i = start + n; i < size && static_cast<int32_t>(draft.size()) < n_max; ++i) {
                if (history[static_cast<size_t>(i)] < 0) {
                    break;
                }
                draft.push_back(history[static_cast<size_t>(i)]);
            }
            if (!draft.empty()) {
                return draft;
            }
        }
    }
    return {};
}

}  // namespace hearth::sched
