#include "api/completions_response.h"

#include <chrono>
#include <random>

#include "api/sse.h"

namespace hearth::api {

using json = nlohmann::ordered_json;  // keys in OpenAI's order: id, object, created, model, choices

namespace {

constexpr std::string_view ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t ID_LENGTH = 24;
constexpr size_t TOOL_CALL_ID_LENGTH = 9;

std::string random_id_chars(size_t length = ID_LENGTH) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<size_t> pick(0, ID_ALPHABET.size() - 1);
    std::string id;
    for (size_t i = 0; i < length; ++i) {
        id += ID_ALPHABET[pick(rng)];
    }
    return id;
}

json envelope(const ResponseOptions& options, std::string_view object, json choices) {
    json out = {{"id", options.id},
                {"object", object},
                {"created", options.created},
                {"model", options.model},
                {"choices", std::move(choices)}};
    // With include_usage OpenAI sends "usage": null in every chunk but the last.
    if (options.stream && options.include_usage) {
        out["usage"] = nullptr;
    }
    return out;
}

// The usage chunk (choices: [] and the totals) when the client asked for it, then [DONE].
std::string end_of_stream(const ResponseOptions& options, std::string_view object, const ChoiceTracker& choices) {
    std::string out;
    if (options.include_usage) {
        json last = envelope(options, object, json::array());
        last["usage"] = usage_json(choices.total_usage());
        out += sse_event(dump_json(last));
    }
    out += sse_done();
    return out;
}

json delta_json(const core::ChatDelta& delta) {
    if (delta.tool_index) {
        json call = {{"index", *delta.tool_index}};
        json function = json::object();
        if (!delta.tool_call.id.empty() || !delta.tool_call.name.empty()) {
            call["id"] = delta.tool_call.id;
            call["type"] = "function";
            function["name"] = delta.tool_call.name;
        }
        function["arguments"] = delta.tool_call.arguments;
        call["function"] = std::move(function);
        return {{"tool_calls", json::array({std::move(call)})}};
    }
    if (!delta.reasoning_content.empty()) {
        return {{"reasoning_content", delta.reasoning_content}};
    }
    return {{"content", delta.content}};
}

json finish_reason_json(const ChoiceState& choice) {
    return choice.finished ? json(finish_reason_name(choice.finish.reason)) : json(nullptr);
}

// Top-level usage and timings of a whole response. timings describe the first choice; with n > 1 every
// choice also carries its own.
void add_totals(json& body, const ChoiceTracker& choices) {
    body["usage"] = usage_json(choices.total_usage());
    const ChoiceState& first = choices.all().front();
    if (first.finished) {
        body["timings"] = timings_json(first.finish);
    }
    if (choices.all().size() > 1) {
        for (json& choice : body["choices"]) {
            const ChoiceState& state = choices.all()[choice["index"].get<size_t>()];
            if (state.finished) {
                choice["timings"] = timings_json(state.finish);
            }
        }
    }
}

}  // namespace

std::string new_response_id(std::string_view prefix) {
    return std::string(prefix) + '-' + random_id_chars();
}

std::string new_tool_call_id() {
    return random_id_chars(TOOL_CALL_ID_LENGTH);
}

int64_t unix_time_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ResponseOptions make_response_options(const GenerationOptions& options, std::string_view id_prefix) {
    ResponseOptions out;
    out.id = new_response_id(id_prefix);
    out.created = unix_time_now();
    out.model = options.model;
    out.n = options.n;
    out.stream = options.stream;
    out.include_usage = options.include_usage;
    out.logprobs = options.logprobs;
    return out;
}

// ---- chat.completion / chat.completion.chunk ----

ChatCompletionFormatter::ChatCompletionFormatter(ResponseOptions options,
                                                 std::vector<std::unique_ptr<core::ChatOutputParser>> parsers)
    : options_(std::move(options)), choices_(options_.n, 0), parsers_(std::move(parsers)) {}

core::ChatOutputParser* ChatCompletionFormatter::parser(uint32_t index) const {
    return index < parsers_.size() ? parsers_[index].get() : nullptr;
}

json ChatCompletionFormatter::chunk(json choices) const {
    return envelope(options_, "chat.completion.chunk", std::move(choices));
}

// OpenAI opens every choice's stream with the role and empty content.
std::string ChatCompletionFormatter::open_choice(ChoiceState& choice, uint32_t index) {
    if (choice.started) {
        return {};
    }
    choice.started = true;
    json delta = {{"role", "assistant"}, {"content", ""}};
    return sse_event(dump_json(chunk(json::array(
        {{{"index", index}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", nullptr}}}))));
}

std::string ChatCompletionFormatter::on_token(const core::TokenEvent& event) {
    if (core::ChatOutputParser* reader = parser(event.choice); reader != nullptr) {
        return on_parsed_token(event, *reader);
    }
    std::vector<LogprobEntry> entries;
    ChoiceState* choice = choices_.take_token(event, options_.logprobs, options_.stream, entries);
    if (choice == nullptr) {
        return {};
    }
    std::string out = open_choice(*choice, event.choice);
    if (event.text.empty() && entries.empty()) {
        return out;  // text held back (a possible stop string): nothing to say yet
    }
    const json logprobs =
        options_.logprobs ? json{{"content", chat_logprobs_content(entries)}, {"refusal", nullptr}} : json(nullptr);
    out += sse_event(dump_json(chunk(json::array({{{"index", event.choice},
                                                   {"delta", {{"content", event.text}}},
                                                   {"logprobs", logprobs},
                                                   {"finish_reason", nullptr}}}))));
    return out;
}

std::string ChatCompletionFormatter::on_parsed_token(const core::TokenEvent& event, core::ChatOutputParser& reader) {
    std::vector<LogprobEntry> entries;
    std::vector<core::ChatDelta> deltas;
    ChoiceState* choice =
        choices_.take_parsed_token(event, reader, options_.logprobs, options_.stream, entries, deltas);
    if (choice == nullptr) {
        return {};  // not streaming: the parser keeps the message
    }
    return open_choice(*choice, event.choice) + delta_chunks(event.choice, deltas, entries);
}

// One chunk per delta, as OpenAI sends them: a tool call's id, type and name in its first chunk, argument
// text after. The token's logprobs ride on the first chunk, or on an empty delta when the parser held
// everything back.
std::string ChatCompletionFormatter::delta_chunks(uint32_t index, const std::vector<core::ChatDelta>& deltas,
                                                  const std::vector<LogprobEntry>& entries) const {
    json logprobs =
        options_.logprobs ? json{{"content", chat_logprobs_content(entries)}, {"refusal", nullptr}} : json(nullptr);
    std::vector<json> bodies;
    for (const core::ChatDelta& delta : deltas) {
        bodies.push_back(delta_json(delta));
    }
    if (bodies.empty() && !entries.empty()) {
        bodies.push_back(json::object());
    }
    std::string out;
    for (json& body : bodies) {
        out += sse_event(dump_json(chunk(json::array(
            {{{"index", index}, {"delta", std::move(body)}, {"logprobs", logprobs}, {"finish_reason", nullptr}}}))));
        logprobs = options_.logprobs ? json{{"content", json::array()}, {"refusal", nullptr}} : json(nullptr);
    }
    return out;
}

std::string ChatCompletionFormatter::finish_reason(const ChoiceState& choice) const {
    const core::ChatOutputParser* reader = parser(choice.finish.choice);
    if (choice.finish.reason == core::FinishReason::STOP && reader != nullptr &&
        !reader->message().tool_calls.empty()) {
        return "tool_calls";
    }
    return std::string(finish_reason_name(choice.finish.reason));
}

std::string ChatCompletionFormatter::on_finish(const core::FinishEvent& event) {
    ChoiceState* choice = choices_.finish(event);
    if (choice == nullptr) {
        return {};
    }
    core::ChatOutputParser* reader = parser(event.choice);
    const std::vector<core::ChatDelta> deltas = reader != nullptr ? reader->finish() : std::vector<core::ChatDelta>{};
    if (!options_.stream) {
        return {};
    }
    std::string out = open_choice(*choice, event.choice) + delta_chunks(event.choice, deltas, {});
    json last = chunk(json::array({{{"index", event.choice},
                                    {"delta", json::object()},
                                    {"logprobs", nullptr},
                                    {"finish_reason", finish_reason(*choice)}}}));
    last["timings"] = timings_json(event);
    out += sse_event(dump_json(last));
    return out;
}

std::string ChatCompletionFormatter::stream_end() const {
    return end_of_stream(options_, "chat.completion.chunk", choices_);
}

std::string ChatCompletionFormatter::body() const {
    json choices = json::array();
    for (uint32_t i = 0; i < choices_.all().size(); ++i) {
        const ChoiceState& state = choices_.all()[i];
        const json logprobs = options_.logprobs
                                  ? json{{"content", chat_logprobs_content(state.logprobs)}, {"refusal", nullptr}}
                                  : json(nullptr);
        choices.push_back({{"index", i},
                           {"message", message(i)},
                           {"logprobs", logprobs},
                           {"finish_reason", state.finished ? json(finish_reason(state)) : json(nullptr)}});
    }
    json out = envelope(options_, "chat.completion", std::move(choices));
    add_totals(out, choices_);
    return dump_json(out);
}

// content is null beside tool calls (as OpenAI); reasoning_content and tool_calls appear when there are some.
json ChatCompletionFormatter::message(uint32_t index) const {
    const core::ChatOutputParser* reader = parser(index);
    if (reader == nullptr) {
        return {{"role", "assistant"}, {"content", choices_.all()[index].text}, {"refusal", nullptr}};
    }
    const core::ChatOutput& parsed = reader->message();
    json out = {{"role", "assistant"}};
    out["content"] = parsed.content.empty() && !parsed.tool_calls.empty() ? json(nullptr) : json(parsed.content);
    if (!parsed.reasoning_content.empty()) {
        out["reasoning_content"] = parsed.reasoning_content;
    }
    if (!parsed.tool_calls.empty()) {
        json calls = json::array();
        for (const core::ToolCall& call : parsed.tool_calls) {
            calls.push_back({{"id", call.id},
                             {"type", "function"},
                             {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
        }
        out["tool_calls"] = std::move(calls);
    }
    out["refusal"] = nullptr;
    return out;
}

// ---- text_completion ----

TextCompletionFormatter::TextCompletionFormatter(ResponseOptions options)
    : options_(std::move(options)), choices_(options_.n, count_characters(options_.prompt_text)) {}

json TextCompletionFormatter::chunk(json choices) const {
    return envelope(options_, "text_completion", std::move(choices));
}

// With echo the prompt is the first text of every choice.
std::string TextCompletionFormatter::open_choice(ChoiceState& choice, uint32_t index) {
    if (choice.started) {
        return {};
    }
    choice.started = true;
    if (!options_.echo || options_.prompt_text.empty()) {
        return {};
    }
    return sse_event(dump_json(chunk(json::array(
        {{{"index", index}, {"text", options_.prompt_text}, {"logprobs", nullptr}, {"finish_reason", nullptr}}}))));
}

std::string TextCompletionFormatter::on_token(const core::TokenEvent& event) {
    std::vector<LogprobEntry> entries;
    ChoiceState* choice = choices_.take_token(event, options_.logprobs, options_.stream, entries);
    if (choice == nullptr) {
        return {};
    }
    std::string out = open_choice(*choice, event.choice);
    if (event.text.empty() && entries.empty()) {
        return out;
    }
    const json logprobs = options_.logprobs ? text_logprobs_json(entries, choice->text_offset) : json(nullptr);
    out += sse_event(dump_json(chunk(json::array(
        {{{"index", event.choice}, {"text", event.text}, {"logprobs", logprobs}, {"finish_reason", nullptr}}}))));
    return out;
}

std::string TextCompletionFormatter::on_finish(const core::FinishEvent& event) {
    ChoiceState* choice = choices_.finish(event);
    if (choice == nullptr || !options_.stream) {
        return {};
    }
    std::string out = open_choice(*choice, event.choice);
    json last = chunk(json::array({{{"index", event.choice},
                                    {"text", ""},
                                    {"logprobs", nullptr},
                                    {"finish_reason", finish_reason_name(event.reason)}}}));
    last["timings"] = timings_json(event);
    out += sse_event(dump_json(last));
    return out;
}

std::string TextCompletionFormatter::stream_end() const {
    return end_of_stream(options_, "text_completion", choices_);
}

std::string TextCompletionFormatter::body() const {
    json choices = json::array();
    const std::string prefix = options_.echo ? options_.prompt_text : std::string();
    for (uint32_t i = 0; i < choices_.all().size(); ++i) {
        const ChoiceState& state = choices_.all()[i];
        int64_t offset = count_characters(options_.prompt_text);
        const json logprobs = options_.logprobs ? text_logprobs_json(state.logprobs, offset) : json(nullptr);
        choices.push_back({{"index", i},
                           {"text", prefix + state.text},
                           {"logprobs", logprobs},
                           {"finish_reason", finish_reason_json(state)}});
    }
    json out = envelope(options_, "text_completion", std::move(choices));
    add_totals(out, choices_);
    return dump_json(out);
}

}  // namespace hearth::api
