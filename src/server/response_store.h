#pragma once
// The responses /v1/responses kept for GET /v1/responses/{id} and previous_response_id: a bounded, thread-safe
// in-memory store. At most max_entries responses (the oldest goes first) and each for ttl after it was stored;
// max_entries 0 keeps nothing. Nothing survives a restart: clients that need history send it themselves.

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hearth::server {

struct ResponseStoreConfig {
    size_t max_entries = 1000;       // hearth serve --responses-store-size
    std::chrono::seconds ttl{3600};  // hearth serve --responses-ttl
};

struct StoredResponse {
    std::string body;          // the response object as GET returns it
    std::string conversation;  // JSON array of chat messages: the input and the output, for the next turn
};

class ResponseStore {
public:
    using Clock = std::chrono::steady_clock;

    explicit ResponseStore(ResponseStoreConfig config = {});

    void put(const std::string& id, StoredResponse response, Clock::time_point now = Clock::now());
    std::optional<StoredResponse> get(const std::string& id, Clock::time_point now = Clock::now());
    // Whether it was there (and not expired).
    bool erase(const std::string& id, Clock::time_point now = Clock::now());
    size_t size() const;

private:
    struct Entry {
        StoredResponse response;
        Clock::time_point expires;
    };
    void expire_locked(Clock::time_point now);

    ResponseStoreConfig config_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::deque<std::string> order_;  // ids, oldest first (may hold ids already erased)
};

}  // namespace hearth::server
