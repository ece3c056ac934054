#pragma once
// The chat request fields of tool calling, structured output and reasoning: tools, tool_choice,
// parallel_tool_calls, response_format, reasoning_format, and the tool_calls of earlier assistant turns.
// Internal to the api module (completions_request.h is the interface).

#include <string_view>
#include <vector>

#include "api/completions_request.h"
#include "api/json_body.h"
#include "core/chat_output.h"
#include "util/result.h"

namespace hearth::api {

// Reads tools, tool_choice, parallel_tool_calls, response_format and reasoning_format; the first mistake is
// recorded in `reader`.
void read_chat_tool_fields(FieldReader& reader, ChatToolFields& out);

// The body is read into sorted objects; schemas must keep the client's key order (the template shows them
// to the model as written, and a schema's property order is the order the grammar makes the model write).
// Replaces the tools' parameters and the response_format schema with their text in the body's order.
void keep_schema_key_order(std::string_view body, ChatToolFields& fields);

// An assistant message's "tool_calls" (absent: none); the first mistake is recorded in `reader`.
std::vector<core::ToolCall> read_message_tool_calls(FieldReader& reader);

// Defaults and consistency: tool_choice defaults to auto (none without tools); required or a named function
// needs tools (and the name among them); a JSON response_format cannot be combined with tool calls.
Result<ChatToolFields> resolve_chat_tool_fields(const ChatToolFields& fields);

}  // namespace hearth::api
