#pragma once
// POST /v1/responses bodies (OpenAI's Responses API) → the same ChatParams /v1/chat/completions resolves to.
// As for /v1/messages, the body is checked in its own terms and rewritten as the equivalent chat body:
// instructions → a system message; input (a string, or items: messages with input_text / input_image /
// output_text parts, function_call and function_call_output items) → messages (calls join the assistant
// turn, outputs become tool messages); tools [{type:function, name, parameters}] and tool_choice → chat's;
// text.format → response_format; max_output_tokens → max_tokens. previous_response_id's stored conversation
// goes before the input (the server looks it up; this module only reads the id).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "api/completions_request.h"
#include "util/result.h"

namespace hearth::api {

struct ResponsesRequest {
    nlohmann::ordered_json chat;          // the chat body, without any earlier conversation
    nlohmann::ordered_json conversation;  // this request's input as chat messages (instructions left out)
    nlohmann::ordered_json echo;          // the request fields a response object repeats (tools, text, ...)
    std::string previous_response_id;     // "" when none
    bool store = true;
    bool stream = false;
};

Result<ResponsesRequest> parse_responses_request(std::string_view body);

// The chat messages before this request's output: `history` (a JSON array of chat messages as the store
// keeps them; "" for none) and this request's input.
nlohmann::ordered_json conversation_with(std::string_view history, const ResponsesRequest& request);

// The chat params of a parsed request continuing `history` (as above).
Result<ChatParams> responses_chat_params(const ResponsesRequest& request, std::string_view history,
                                         const RequestLimits& limits = {});

// Both in one call, without history (tests and fuzzing).
Result<ChatParams> responses_params_from_body(std::string_view body, const RequestLimits& limits = {});

}  // namespace hearth::api
