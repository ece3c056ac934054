#pragma once
// A bounded LRU map from an input's key (model, token ids) to its pooled output, shared by every embedding
// and rerank model. Post-processing a client asks for (dimensions, normalization, encoding) is applied after
// the cache, so the token ids of an input, which already reflect its text and truncation, are the whole key.
// Thread-safe. Capacity 0 disables it: nothing is stored and lookups count nothing.

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::sched {

struct VectorCacheStats {
    size_t capacity = 0;
    size_t entries = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;
};

class VectorCache {
public:
    explicit VectorCache(size_t capacity) : capacity_(capacity) {}

    bool enabled() const { return capacity_ > 0; }
    // The key of one input of one model: the scope (the model's id) and the exact token ids.
    static std::string key(std::string_view scope, std::span<const int32_t> tokens);
    // Counts a hit or a miss; a hit becomes the most recently used entry.
    std::optional<std::vector<float>> get(const std::string& key);
    // Stores (or refreshes) an entry, evicting the least recently used beyond capacity.
    void put(const std::string& key, std::vector<float> value);
    VectorCacheStats stats() const;

private:
    using Entry = std::pair<std::string, std::vector<float>>;

    const size_t capacity_;
    mutable std::mutex mutex_;
    // guarded by mutex_: most recently used first; the map points into the list
    std::list<Entry> order_;
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
    uint64_t hits_ = 0;
    uint64_t misses_ = 0;
};

}  // namespace hearth::sched
