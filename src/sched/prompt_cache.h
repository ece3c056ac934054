#pragma once
// Host-memory copies of sequences' KV, as llama-server's --cache-ram keeps them. A slot's cache holds one
// conversation; when the slot is handed to a different prompt, the conversation it held is copied here
// first, and a later request that continues it (the next turn of a chat with more conversations than slots)
// restores it instead of prefilling it again: a copy of some megabytes instead of seconds of compute.
// Bounded in bytes, least recently used out first.
// Thread contract: owned and used by the scheduler thread only.

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <vector>

namespace hearth::sched {

struct PromptCacheEntry {
    std::vector<int32_t> tokens;  // what the state holds, in position order
    std::vector<uint8_t> state;   // the engine's copy of the sequence (TextEngine::seq_state_save)
};

struct PromptCacheStats {
    size_t entries = 0;
    size_t bytes = 0;  // states' bytes
    uint64_t saved = 0;
    uint64_t restored = 0;
    uint64_t tokens_restored = 0;  // prompt tokens that were not prefilled thanks to a restore
};

class PromptCache {
public:
    explicit PromptCache(size_t max_bytes) : max_bytes_(max_bytes) {}

    bool enabled() const { return max_bytes_ > 0; }
    // Whether saving a sequence holding `tokens` would add anything: no entry already holds them all.
    bool worth_saving(const std::vector<int32_t>& tokens) const;
    // Keeps a copy. Entries it makes obsolete (a prefix of `tokens`) go; a state over the whole budget is
    // not kept; then the least recently used go until the budget holds.
    void save(std::vector<int32_t> tokens, std::vector<uint8_t> state);
    // The entry sharing the longest prefix with `prompt` (counted within `prompt`), if that prefix is longer
    // than `at_least` tokens; it becomes the most recently used. The pointer is valid until the next save().
    const PromptCacheEntry* best(std::span<const int32_t> prompt, size_t at_least);
    void count_restore(size_t tokens);
    PromptCacheStats stats() const { return stats_; }

private:
    size_t max_bytes_;
    std::list<PromptCacheEntry> entries_;  // most recently used first
    PromptCacheStats stats_;
};

// Tokens at the start of both.
size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace hearth::sched
