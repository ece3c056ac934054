#pragma once
// Pieces the chat and text completion formatters share: per-choice bookkeeping, usage, timings and logprobs
// in OpenAI's shapes. Internal to the api module (completions_response.h is the interface).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat_output.h"
#include "core/generation.h"

namespace hearth::api {

// One generated token's log-probability and its alternatives.
struct LogprobEntry {
    core::TokenLogprob chosen;
    std::vector<core::TokenLogprob> top;
};

struct ChoiceState {
    std::string text;                    // non-streaming: everything generated so far
    std::vector<LogprobEntry> logprobs;  // non-streaming: one per generated token
    int64_t text_offset = 0;             // completions: characters before the next token, prompt included
    bool started = false;                // streaming: the opening chunk (role or echo) went out
    bool finished = false;
    core::FinishEvent finish;
};

class ChoiceTracker {
public:
    ChoiceTracker(uint32_t n, int64_t text_offset);

    // nullptr for an index beyond n: a scheduler bug must not crash or corrupt the response.
    ChoiceState* find(uint32_t index);
    // Takes one token of a choice. Not streaming: adds it to the choice's text and logprobs and returns
    // nullptr (nothing to send yet). Streaming: returns the choice, with the token's logprob entries (when
    // asked for) in `entries`. nullptr too for an unknown or ended choice.
    ChoiceState* take_token(const core::TokenEvent& event, bool with_logprobs, bool stream,
                            std::vector<LogprobEntry>& entries);
    // The same for a choice read by a chat output parser, which sees every token of a live choice, streamed
    // or not; its new deltas go to `deltas`.
    ChoiceState* take_parsed_token(const core::TokenEvent& event, core::ChatOutputParser& parser, bool with_logprobs,
                                   bool stream, std::vector<LogprobEntry>& entries,
                                   std::vector<core::ChatDelta>& deltas);
    // Records the choice's end; nullptr when the index is unknown or the choice already ended (ignored).
    ChoiceState* finish(const core::FinishEvent& event);
    const std::vector<ChoiceState>& all() const { return choices_; }
    bool all_finished() const;
    // The prompt counts once (it is the same for every choice; the first finished choice reports it),
    // completion tokens add up.
    core::Usage total_usage() const;

private:
    std::vector<ChoiceState> choices_;
};

std::vector<LogprobEntry> logprob_entries(const core::TokenEvent& event);
std::string_view finish_reason_name(core::FinishReason reason);

nlohmann::ordered_json usage_json(const core::Usage& usage);
// hearth's extension: where one choice's time went, in llama-server's units (ms, tokens per second).
nlohmann::ordered_json timings_json(const core::FinishEvent& finish);
// Chat: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}].
nlohmann::ordered_json chat_logprobs_content(const std::vector<LogprobEntry>& entries);
// Completions: {tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}; advances `offset`
// past each token.
nlohmann::ordered_json text_logprobs_json(const std::vector<LogprobEntry>& entries, int64_t& offset);

// Characters as clients count them (code points); bytes of a split UTF-8 sequence count once.
int64_t count_characters(std::string_view text);
// JSON text with invalid UTF-8 replaced by U+FFFD: a model's bytes never break the response.
std::string dump_json(const nlohmann::ordered_json& value);

}  // namespace hearth::api
