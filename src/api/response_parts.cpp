#include "api/response_parts.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace hearth::api {

using json = nlohmann::ordered_json;  // keys in OpenAI's order: id, object, created, model, choices

namespace {

// OpenAI's stand-in for "far too unlikely to have a logprob"; JSON has no -Infinity.
constexpr double UNLIKELY_LOGPROB = -9999.0;

// A float as the double with the same shortest decimal form, so -0.1f prints as -0.1 and not as
// -0.10000000149011612.
double logprob_value(float value) {
    if (!std::isfinite(value)) {
        return UNLIKELY_LOGPROB;
    }
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer) - 1, value);
    if (ec != std::errc()) {
        return value;
    }
    *end = '\0';
    return std::strtod(buffer, nullptr);
}

json token_bytes(std::string_view text) {
    json bytes = json::array();
    for (const char c : text) {
        bytes.push_back(static_cast<unsigned char>(c));
    }
    return bytes;
}

json chat_logprob(const core::TokenLogprob& token) {
    return {{"token", token.text}, {"logprob", logprob_value(token.logprob)}, {"bytes", token_bytes(token.text)}};
}

double per_second(double count, double ms) {
    return ms > 0 ? count * 1000.0 / ms : 0.0;
}

}  // namespace

// At least one choice, so that a response always has a first choice to report.
ChoiceTracker::ChoiceTracker(uint32_t n, int64_t text_offset) : choices_(std::max<uint32_t>(n, 1)) {
    for (ChoiceState& choice : choices_) {
        choice.text_offset = text_offset;
        choice.finish.choice = static_cast<uint32_t>(&choice - choices_.data());
    }
}

ChoiceState* ChoiceTracker::find(uint32_t index) {
    return index < choices_.size() ? &choices_[index] : nullptr;
}

ChoiceState* ChoiceTracker::take_token(const core::TokenEvent& event, bool with_logprobs, bool stream,
                                       std::vector<LogprobEntry>& entries) {
    ChoiceState* choice = find(event.choice);
    if (choice == nullptr || choice->finished) {
        return nullptr;
    }
    entries = with_logprobs ? logprob_entries(event) : std::vector<LogprobEntry>{};
    if (stream) {
        return choice;
    }
    choice->text += event.text;
    choice->logprobs.insert(choice->logprobs.end(), entries.begin(), entries.end());
    return nullptr;
}

ChoiceState* ChoiceTracker::take_parsed_token(const core::TokenEvent& event, core::ChatOutputParser& parser,
                                              bool with_logprobs, bool stream, std::vector<LogprobEntry>& entries,
                                              std::vector<core::ChatDelta>& deltas) {
    const ChoiceState* state = find(event.choice);
    if (state == nullptr || state->finished) {
        deltas.clear();
        return nullptr;
    }
    ChoiceState* choice = take_token(event, with_logprobs, stream, entries);
    deltas = parser.push(event.text);
    return choice;
}

ChoiceState* ChoiceTracker::finish(const core::FinishEvent& event) {
    ChoiceState* choice = find(event.choice);
    if (choice == nullptr || choice->finished) {
        return nullptr;
    }
    choice->finished = true;
    choice->finish = event;
    return choice;
}

bool ChoiceTracker::all_finished() const {
    for (const ChoiceState& choice : choices_) {
        if (!choice.finished) {
            return false;
        }
    }
    return true;
}

core::Usage ChoiceTracker::total_usage() const {
    core::Usage total;
    bool prompt_counted = false;
    for (const ChoiceState& choice : choices_) {
        if (!choice.finished) {
            continue;
        }
        if (!prompt_counted) {
            total.prompt_tokens = choice.finish.usage.prompt_tokens;
            total.cached_prompt_tokens = choice.finish.usage.cached_prompt_tokens;
            prompt_counted = true;
        }
        total.completion_tokens += choice.finish.usage.completion_tokens;
    }
    return total;
}

std::vector<LogprobEntry> logprob_entries(const core::TokenEvent& event) {
    std::vector<LogprobEntry> entries;
    entries.reserve(event.logprobs.size());
    for (size_t i = 0; i < event.logprobs.size(); ++i) {
        LogprobEntry entry{event.logprobs[i], {}};
        if (i < event.top_logprobs.size()) {
            entry.top = event.top_logprobs[i];
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string_view finish_reason_name(core::FinishReason reason) {
    switch (reason) {
        case core::FinishReason::STOP: return "stop";
        // A cancelled generation is cut short like one that ran out of tokens; strict clients only know
        // OpenAI's values, so it is reported as "length" (and it rarely reaches a client: cancelling
        // usually means the client left).
        case core::FinishReason::LENGTH:
        case core::FinishReason::CANCELLED: return "length";
    }
    return "stop";
}

json usage_json(const core::Usage& usage) {
    return {{"prompt_tokens", usage.prompt_tokens},
            {"completion_tokens", usage.completion_tokens},
            {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

json timings_json(const core::FinishEvent& finish) {
    const core::Timings& t = finish.timings;
    const int32_t predicted = finish.usage.completion_tokens;
    // decode_ms runs from the first token to the last: predicted - 1 intervals.
    const double tpot_ms = predicted > 1 ? t.decode_ms / (predicted - 1) : 0.0;
    return {{"queue_ms", t.queue_ms},
            {"ttft_ms", t.ttft_ms},
            {"prompt_n", t.prompt_tokens_evaluated},
            {"prompt_ms", t.prompt_ms},
            {"prompt_per_second", per_second(t.prompt_tokens_evaluated, t.prompt_ms)},
            {"cache_n", finish.usage.cached_prompt_tokens},
            {"predicted_n", predicted},
            {"predicted_ms", t.decode_ms},
            {"predicted_per_second", tpot_ms > 0 ? 1000.0 / tpot_ms : 0.0},
            {"tpot_ms", tpot_ms},
            {"draft_n", t.draft_tokens},
            {"draft_n_accepted", t.draft_tokens_accepted}};
}

json chat_logprobs_content(const std::vector<LogprobEntry>& entries) {
    json content = json::array();
    for (const LogprobEntry& entry : entries) {
        json item = chat_logprob(entry.chosen);
        json top = json::array();
        for (const core::TokenLogprob& alternative : entry.top) {
            top.push_back(chat_logprob(alternative));
        }
        item["top_logprobs"] = std::move(top);
        content.push_back(std::move(item));
    }
    return content;
}

json text_logprobs_json(const std::vector<LogprobEntry>& entries, int64_t& offset) {
    json tokens = json::array();
    json token_logprobs = json::array();
    json top_logprobs = json::array();
    json text_offset = json::array();
    for (const LogprobEntry& entry : entries) {
        tokens.push_back(entry.chosen.text);
        token_logprobs.push_back(logprob_value(entry.chosen.logprob));
        json top = json::object();
        for (const core::TokenLogprob& alternative : entry.top) {
            top[alternative.text] = logprob_value(alternative.logprob);
        }
        top_logprobs.push_back(std::move(top));
        text_offset.push_back(offset);
        offset += count_characters(entry.chosen.text);
    }
    return {{"tokens", std::move(tokens)},
            {"token_logprobs", std::move(token_logprobs)},
            {"top_logprobs", std::move(top_logprobs)},
            {"text_offset", std::move(text_offset)}};
}

int64_t count_characters(std::string_view text) {
    int64_t count = 0;
    for (const char c : text) {
        // Continuation bytes (10xxxxxx) belong to the character their lead byte started.
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
            ++count;
        }
    }
    return count;
}

std::string dump_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace hearth::api
