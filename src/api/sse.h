#pragma once
// Server-sent events framing for streamed completions, as OpenAI sends them: each event is one
// `data: <json>` line and a blank line, the stream ends with `data: [DONE]`. An error after the 200 status
// went out can only travel in the stream: one `data: {"error": {...}}` event (the body openai_error.h
// makes), which the official SDKs raise as an APIError; nothing follows it, not even [DONE].

#include <string>
#include <string_view>

#include "util/result.h"

namespace hearth::api {

inline constexpr std::string_view SSE_CONTENT_TYPE = "text/event-stream";

// One event carrying `payload`. A payload with line breaks (never produced by our JSON dumps) is split
// into several data lines, which SSE readers join back with "\n", so it can never end an event early.
std::string sse_event(std::string_view payload);
// One event carrying `payload` with an event name (`event: <name>`), as Anthropic's streams send them.
std::string sse_named_event(std::string_view name, std::string_view payload);
// The end of a successful stream.
std::string sse_done();
// The one final event of a stream that failed after it started.
std::string sse_error(const Error& error);
// A comment line: ignored by clients, keeps proxies from timing out an idle stream during a long prefill.
std::string sse_comment(std::string_view text);

}  // namespace hearth::api
