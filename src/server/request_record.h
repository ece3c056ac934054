#pragma once
// What one request did, for its log line and its metrics: filled by the code that learns each fact (the
// handler resolving its model, the generation runner seeing tokens and finishes) and read once the response
// is complete. The record of the request a handler thread is running is reachable through current_record(),
// so that handlers report without every signature carrying it; it is null outside a request (unit tests).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/generation.h"

namespace hearth::server {

struct ChoiceFacts {
    core::Usage usage;
    core::Timings timings;
};

struct RequestRecord {
    using Clock = std::chrono::steady_clock;

    std::string id;     // X-Request-Id
    std::string model;  // a known model's id once the handler resolved it; never an arbitrary client string
    Clock::time_point start = Clock::now();
    std::vector<ChoiceFacts> choices;  // one per finished choice
    std::vector<double> token_gaps_s;  // inter-token latencies of every choice
    std::map<uint32_t, Clock::time_point> last_token_at;

    // A choice produced text (stream order): the gap since that choice's previous text is one inter-token
    // latency sample.
    void on_token(uint32_t choice, Clock::time_point now = Clock::now());
    void on_finish(const core::FinishEvent& finish);
    int64_t prompt_tokens() const;
    int64_t completion_tokens() const;
};

// The record of the request this thread runs; null outside one.
RequestRecord* current_record();

// Makes `record` this thread's current record for the scope's lifetime.
class RecordScope {
public:
    explicit RecordScope(RequestRecord* record);
    ~RecordScope();
    RecordScope(const RecordScope&) = delete;
    RecordScope& operator=(const RecordScope&) = delete;

private:
    RequestRecord* previous_;
};

// Shorthands for handlers: no-ops outside a request.
void note_model(const std::string& model_id);
void note_token(uint32_t choice);
void note_finish(const core::FinishEvent& finish);

}  // namespace hearth::server
