#include "sched/vector_cache.h"

#include <cstring>

namespace hearth::sched {

std::string VectorCache::key(std::string_view scope, std::span<const int32_t> tokens) {
    std::string out;
    out.reserve(scope.size() + 1 + tokens.size_bytes());
    out.append(scope);
    out.push_back('\0');  // model ids never hold NUL, so no two (scope, tokens) pairs share a key
    const size_t at = out.size();
    out.resize(at + tokens.size_bytes());
    std::memcpy(out.data() + at, tokens.data(), tokens.size_bytes());
    return out;
}

std::optional<std::vector<float>> VectorCache::get(const std::string& key) {
    if (!enabled()) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
        ++misses_;
        return std::nullopt;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
}

void VectorCache::put(const std::string& key, std::vector<float> value) {
    if (!enabled()) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
        it->second->second = std::move(value);
        order_.splice(order_.begin(), order_, it->second);
        return;
    }
    order_.emplace_front(key, std::move(value));
    // The view points into the list node's own string, which never moves while the node lives.
    index_.emplace(std::string_view(order_.front().first), order_.begin());
    while (order_.size() > capacity_) {
        index_.erase(std::string_view(order_.back().first));
        order_.pop_back();
    }
}

VectorCacheStats VectorCache::stats() const {
    std::lock_guard lock(mutex_);
    return VectorCacheStats{capacity_, order_.size(), hits_, misses_};
}

}  // namespace hearth::sched
