#include "server/request_record.h"

namespace hearth::server {

namespace {

thread_local RequestRecord* t_current = nullptr;

}  // namespace

void RequestRecord::on_token(uint32_t choice, Clock::time_point now) {
    const auto [it, first] = last_token_at.try_emplace(choice, now);
    if (!first) {
        token_gaps_s.push_back(std::chrono::duration<double>(now - it->second).count());
        it->second = now;
    }
}

void RequestRecord::on_finish(const core::FinishEvent& finish) {
    choices.push_back({finish.usage, finish.timings});
}

// The choices of one request share their prompt: it counts once.
int64_t RequestRecord::prompt_tokens() const {
    return choices.empty() ? 0 : choices.front().usage.prompt_tokens;
}

int64_t RequestRecord::completion_tokens() const {
    int64_t total = 0;
    for (const ChoiceFacts& c : choices) {
        total += c.usage.completion_tokens;
    }
    return total;
}

RequestRecord* current_record() {
    return t_current;
}

RecordScope::RecordScope(RequestRecord* record) : previous_(t_current) {
    t_current = record;
}

RecordScope::~RecordScope() {
    t_current = previous_;
}

void note_model(const std::string& model_id) {
    if (t_current != nullptr) {
        t_current->model = model_id;
    }
}

void note_token(uint32_t choice) {
    if (t_current != nullptr) {
        t_current->on_token(choice);
    }
}

void note_finish(const core::FinishEvent& finish) {
    if (t_current != nullptr) {
        t_current->on_finish(finish);
    }
}

}  // namespace hearth::server
