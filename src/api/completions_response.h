#pragma once
// core generation events → OpenAI chat.completion / text_completion JSON, whole or as SSE chunks. One
// formatter per request: the server layer feeds it every core::TokenEvent and core::FinishEvent of the
// request's channel and sends what it returns. Streaming: on_token/on_finish return ready SSE frames (maybe
// "") and stream_end() the usage chunk (when asked for) and [DONE]. Not streaming: they return "" and body()
// is the response once all_finished(). Errors are not the formatter's business: error_reply() before the
// 200, sse_error() after it. Single-threaded, like the handler that owns it.

#include <cstdint>
#include <string>
#include <string_view>

#include "api/completions_request.h"
#include "api/response_parts.h"
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
int64_t unix_time_now();
// id, created, model, n, stream, include_usage and logprobs from the resolved request.
ResponseOptions make_response_options(const GenerationOptions& options, std::string_view id_prefix);

class ChatCompletionFormatter {
public:
    explicit ChatCompletionFormatter(ResponseOptions options);

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
