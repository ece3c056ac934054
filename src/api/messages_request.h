#pragma once
// POST /v1/messages and POST /v1/messages/count_tokens bodies (Anthropic's Messages API) → the same
// ChatParams /v1/chat/completions resolves to. The body is checked in Anthropic's terms (errors name its
// fields: "messages[1].content[0].source.data") and rewritten as the equivalent OpenAI chat body, which then
// goes through chat_params_from_body: one set of rules for tools, schemas, images, sampling and limits.
//
// Mapping: system (a string or text blocks) → a system message; user text and image blocks (base64 and url
// sources) → content parts; tool_result blocks → tool messages (before the user's other blocks, named after
// the tool_use they answer); assistant text, thinking and tool_use blocks → content, reasoning_content and
// tool_calls; tools[].input_schema → function parameters; tool_choice auto/any/tool/none → auto/required/
// function/none (disable_parallel_tool_use → parallel_tool_calls false); stop_sequences → stop; thinking
// enabled/disabled → the template's enable_thinking. Unknown fields are ignored, as Anthropic does.

#include <nlohmann/json.hpp>

#include <string_view>

#include "api/completions_request.h"
#include "util/result.h"

namespace hearth::api {

// Which endpoint the body is for: count_tokens takes no max_tokens (and never streams).
enum class MessagesBody { CREATE, COUNT_TOKENS };

// The body as an OpenAI chat completion body (exposed for tests and fuzzing).
Result<nlohmann::ordered_json> messages_to_chat_body(std::string_view body, MessagesBody kind);

Result<ChatParams> messages_params_from_body(std::string_view body, MessagesBody kind,
                                             const RequestLimits& limits = {});

}  // namespace hearth::api
