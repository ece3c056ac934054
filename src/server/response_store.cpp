#include "server/response_store.h"

namespace hearth::server {

ResponseStore::ResponseStore(ResponseStoreConfig config) : config_(config) {}

// Entries expire in insertion order (one ttl for all), so the oldest ids are the only ones to look at.
void ResponseStore::expire_locked(Clock::time_point now) {
    while (!order_.empty()) {
        const auto it = entries_.find(order_.front());
        if (it != entries_.end() && it->second.expires > now && entries_.size() <= config_.max_entries) {
            return;
        }
        if (it != entries_.end()) {
            entries_.erase(it);
        }
        order_.pop_front();
    }
}

void ResponseStore::put(const std::string& id, StoredResponse response, Clock::time_point now) {
    if (config_.max_entries == 0) {
        return;
    }
    const std::lock_guard lock(mutex_);
    entries_.insert_or_assign(id, Entry{std::move(response), now + config_.ttl});
    order_.push_back(id);
    expire_locked(now);
}

std::optional<StoredResponse> ResponseStore::get(const std::string& id, Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    expire_locked(now);
    const auto it = entries_.find(id);
    if (it == entries_.end()) {
        return std::nullopt;
    }
    return it->second.response;
}

bool ResponseStore::erase(const std::string& id, Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    expire_locked(now);
    return entries_.erase(id) > 0;
}

size_t ResponseStore::size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace hearth::server
