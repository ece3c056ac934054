#pragma once
// The one table from hearth's ErrorCode to an HTTP status and an OpenAI-shaped error body
// {"error":{"message","type","param","code"}}. Nothing else in hearth picks an error status.

#include <string>
#include <string_view>

#include "api/api_reply.h"
#include "util/result.h"

namespace hearth::api {

int http_status(ErrorCode code);
std::string_view openai_error_type(ErrorCode code);
// JSON text of the error object; invalid UTF-8 in the message is replaced, never echoed raw.
std::string error_body(const Error& error);
ApiReply error_reply(const Error& error);

}  // namespace hearth::api
