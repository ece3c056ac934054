#pragma once
// core generation events → OpenAI chat.completion / text_completion JSON, whole or as SSE chunks. One
// formatter per request: the server layer feeds it every core::TokenEvent and core::FinishEvent of the
// request's channel and sends what it returns. Streaming: on_token/on_finish return ready SSE frames (maybe
// "") and stream_end() the usage chunk (when asked for) and [DONE]. Not streaming: they return "" and body()
// is the response once all_finished(). Errors are not the formatter's business: error_reply() before the
// 200, sse_error() after it. Single-threaded, like the handler that owns it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/completions_request.h"
#include "api/response_parts.h"
#include "core/chat_output.h"
#include "core/generation.h"

namespace hearth::api {

struct ResponseOptions {
    std::string id;       // same in every chunk
    int64_t created = 0;  // unix seconds, same in every chunk
    std::string model;    // the name the client asked for
    uint32_t n = 1;
    bool stream = false;
    bool include_usage = false;
    bool logprobs = false;
    // /v1/completions only.
    bool echo = false;
    std::string prompt_text;  // echoed before each choice's text when echo; text_offset counts from its start
};

// "<prefix>-" and 24 random alphanumerics: "chatcmpl-…" for chat, "cmpl-…" for completions.
std::string new_response_id(std::string_view prefix);
// 9 random alphanumerics: clients send tool call ids back with the results, and some templates (Mistral's)
// refuse any other shape; OpenAI clients treat ids as opaque strings.
std::string new_tool_call_id();
int64_t unix_time_now();
// id, created, model, n, stream, include_usage and logprobs from the resolved request.
ResponseOptions make_response_options(const GenerationOptions& options, std::string_view id_prefix);

// With parsers (one per choice) the generated text is read as the model's chat format: the message carries
// content, reasoning_content and tool_calls, streamed as the parser's deltas, and finish_reason is
// "tool_calls" when a generation that stopped by itself made calls. Without, the text is the content.
class ChatCompletionFormatter {
public:
    explicit ChatCompletionFormatter(ResponseOptions options,
                                     std::vector<std::unique_ptr<core::ChatOutputParser>> parsers = {});

    std::string on_token(const core::TokenEvent& event);
    std::string on_finish(const core::FinishEvent& event);
    bool all_finished() const { return choices_.all_finished(); }
    std::string stream_end() const;
    std::string body() const;
    const ResponseOptions& options() const { return options_; }

private:
    nlohmann::ordered_json chunk(nlohmann::ordered_json choices) const;
    std::string open_choice(ChoiceState& choice, uint32_t index);
    core::ChatOutputParser* parser(uint32_t index) const;
    std::string on_parsed_token(const core::TokenEvent& event, core::ChatOutputParser& parser);
    std::string delta_chunks(uint32_t index, const std::vector<core::ChatDelta>& deltas,
                             const std::vector<LogprobEntry>& entries) const;
    std::string finish_reason(const ChoiceState& choice) const;
    nlohmann::ordered_json message(uint32_t index) const;

    ResponseOptions options_;
    ChoiceTracker choices_;
    std::vector<std::unique_ptr<core::ChatOutputParser>> parsers_;
};

class TextCompletionFormatter {
public:
    explicit TextCompletionFormatter(ResponseOptions options);

    std::string on_token(const core::TokenEvent& event);
    std::string on_finish(const core::FinishEvent& event);
    bool all_finished() const { return choices_.all_finished(); }
    std::string stream_end() const;
    std::string body() const;
    const ResponseOptions& options() const { return options_; }

private:
    nlohmann::ordered_json chunk(nlohmann::ordered_json choices) const;
    std::string open_choice(ChoiceState& choice, uint32_t index);

    ResponseOptions options_;
    ChoiceTracker choices_;
};

}  // namespace hearth::api
