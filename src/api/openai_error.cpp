#include "api/openai_error.h"

#include <nlohmann/json.hpp>

namespace hearth::api {

using nlohmann::json;

int http_status(ErrorCode code) {
    switch (code) {
        case ErrorCode::INVALID_ARGUMENT: return 400;
        case ErrorCode::CONTEXT_LENGTH_EXCEEDED: return 400;
        case ErrorCode::UNSUPPORTED: return 400;
        case ErrorCode::UNAUTHENTICATED: return 401;
        case ErrorCode::NOT_FOUND: return 404;
        case ErrorCode::MODEL_NOT_FOUND: return 404;
        case ErrorCode::METHOD_NOT_ALLOWED: return 405;
        case ErrorCode::PAYLOAD_TOO_LARGE: return 413;
        case ErrorCode::HEADERS_TOO_LARGE: return 431;
        case ErrorCode::OVERLOADED: return 429;
        case ErrorCode::CANCELLED: return 499;  // nginx's "client closed request"; never reaches a client
        case ErrorCode::INTERNAL: return 500;
        case ErrorCode::MODEL_NOT_READY: return 503;
        case ErrorCode::SHUTTING_DOWN: return 503;
        case ErrorCode::UPSTREAM: return 502;
        case ErrorCode::TIMEOUT: return 504;
        case ErrorCode::OUT_OF_MEMORY: return 507;
    }
    return 500;
}

std::string_view openai_error_type(ErrorCode code) {
    switch (code) {
        case ErrorCode::INVALID_ARGUMENT:
        case ErrorCode::CONTEXT_LENGTH_EXCEEDED:
        case ErrorCode::UNSUPPORTED:
        case ErrorCode::METHOD_NOT_ALLOWED:
        case ErrorCode::PAYLOAD_TOO_LARGE:
        case ErrorCode::HEADERS_TOO_LARGE: return "invalid_request_error";
        case ErrorCode::UNAUTHENTICATED: return "authentication_error";
        case ErrorCode::NOT_FOUND:
        case ErrorCode::MODEL_NOT_FOUND: return "not_found_error";
        case ErrorCode::OVERLOADED: return "rate_limit_error";
        case ErrorCode::MODEL_NOT_READY:
        case ErrorCode::SHUTTING_DOWN:
        case ErrorCode::OUT_OF_MEMORY: return "unavailable_error";
        case ErrorCode::CANCELLED:
        case ErrorCode::TIMEOUT:
        case ErrorCode::UPSTREAM:
        case ErrorCode::INTERNAL: return "server_error";
    }
    return "server_error";
}

std::string error_body(const Error& error) {
    json body = {{"error",
                  {{"message", error.message},
                   {"type", openai_error_type(error.code)},
                   {"param", error.param.empty() ? json(nullptr) : json(error.param)},
                   {"code", to_string(error.code)}}}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

ApiReply error_reply(const Error& error) {
    return ApiReply{http_status(error.code), error_body(error), "application/json"};
}

}  // namespace hearth::api
