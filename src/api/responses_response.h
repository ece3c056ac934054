#pragma once
// core generation events → OpenAI Responses API objects: the whole "response", or the semantic event stream
// the official SDK's responses.stream() folds back into it (response.created, response.in_progress, per
// output item output_item.added / content_part.added / output_text.delta / reasoning_text.delta /
// function_call_arguments.delta / ... .done / output_item.done, then response.completed or
// response.incomplete), each a named SSE event with a sequence_number counting from 0. Output items follow
// the chat output parser: reasoning, then a message, then one function_call per call. Once the generation
// ends the formatter hands the finished response and the conversation it continues to `sink` (the store).
// Same contract as the completions formatters (completions_response.h); one choice only.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/response_parts.h"
#include "core/chat_output.h"
#include "core/generation.h"

namespace hearth::api {

struct ResponsesOptions {
    std::string id;  // "resp_…"
    int64_t created_at = 0;
    std::string model;
    bool stream = false;
    bool store = true;
    std::string previous_response_id;
    nlohmann::ordered_json echo;          // request fields the response repeats (ResponsesRequest::echo)
    nlohmann::ordered_json conversation;  // chat messages before this output (history and this input)
};

// Receives a finished response: its id, its JSON text and the conversation (a JSON array of chat messages,
// the output included) a later previous_response_id continues.
using ResponseSink = std::function<void(const std::string& id, const std::string& body, const std::string& history)>;

// "<prefix>_" and 24 random alphanumerics: resp_, msg_, fc_, rs_.
std::string new_item_id(std::string_view prefix);
// DELETE /v1/responses/{id}: {"id","object":"response.deleted","deleted":true}.
std::string response_deleted_body(const std::string& id);

class ResponsesFormatter {
public:
    ResponsesFormatter(ResponsesOptions options, std::unique_ptr<core::ChatOutputParser> parser, ResponseSink sink);

    std::string on_token(const core::TokenEvent& event);
    std::string on_finish(const core::FinishEvent& event);
    bool all_finished() const { return choices_.all_finished(); }
    std::string stream_end() const { return {}; }  // response.completed went out with the finish
    std::string body() const { return final_body_; }

private:
    enum class Kind { REASONING, MESSAGE, FUNCTION_CALL };
    struct Item {
        Kind kind = Kind::MESSAGE;
        std::string id;
        std::string text;  // reasoning or message text, or the call's arguments
        std::string call_id;
        std::string name;
        size_t tool_index = 0;
        bool done = false;
    };

    std::string event(std::string_view type, nlohmann::ordered_json payload);
    nlohmann::ordered_json response_json(std::string_view status, bool with_usage) const;
    nlohmann::ordered_json item_json(const Item& item) const;
    std::string open_item(Kind kind, const core::ChatDelta& delta);
    std::string close_item();
    std::string begin();
    std::string finish_items();
    std::string deltas(const std::vector<core::ChatDelta>& deltas);
    std::string status() const;
    std::string complete();

    ResponsesOptions options_;
    std::unique_ptr<core::ChatOutputParser> parser_;
    ResponseSink sink_;
    ChoiceTracker choices_;
    std::vector<Item> items_;
    int64_t sequence_ = 0;
    bool started_ = false;
    std::string final_body_;
};

}  // namespace hearth::api
