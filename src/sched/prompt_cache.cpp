#include "sched/prompt_cache.h"

#include <algorithm>

namespace hearth::sched {

size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) {
        ++i;
    }
    return i;
}

bool PromptCache::worth_saving(const std::vector<int32_t>& tokens) const {
    if (!enabled() || tokens.empty()) {
        return false;
    }
    return std::none_of(entries_.begin(), entries_.end(), [&tokens](const PromptCacheEntry& e) {
        return common_prefix(e.tokens, tokens) == tokens.size();
    });
}

void PromptCache::save(std::vector<int32_t> tokens, std::vector<uint8_t> state) {
    if (!worth_saving(tokens) || state.empty() || state.size() > max_bytes_) {
        return;
    }
    entries_.remove_if(
        [&tokens](const PromptCacheEntry& e) { return common_prefix(e.tokens, tokens) == e.tokens.size(); });
    entries_.push_front(PromptCacheEntry{std::move(tokens), std::move(state)});
    stats_.saved++;
    size_t bytes = 0;
    for (const PromptCacheEntry& e : entries_) {
        bytes += e.state.size();
    }
    while (bytes > max_bytes_) {
        bytes -= entries_.back().state.size();
        entries_.pop_back();
    }
    stats_.entries = entries_.size();
    stats_.bytes = bytes;
}

const PromptCacheEntry* PromptCache::best(std::span<const int32_t> prompt, size_t at_least) {
    auto found = entries_.end();
    size_t longest = at_least;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (const size_t len = common_prefix(it->tokens, prompt); len > longest) {
            longest = len;
            found = it;
        }
    }
    if (found == entries_.end()) {
        return nullptr;
    }
    entries_.splice(entries_.begin(), entries_, found);
    return &entries_.front();
}

void PromptCache::count_restore(size_t tokens) {
    stats_.restored++;
    stats_.tokens_restored += tokens;
}

}  // namespace hearth::sched
