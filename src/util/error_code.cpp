#include "util/error_code.h"

namespace hearth {

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::INVALID_ARGUMENT: return "invalid_argument";
        case ErrorCode::CONTEXT_LENGTH_EXCEEDED: return "context_length_exceeded";
        case ErrorCode::UNAUTHENTICATED: return "unauthenticated";
        case ErrorCode::NOT_FOUND: return "not_found";
        case ErrorCode::MODEL_NOT_FOUND: return "model_not_found";
        case ErrorCode::METHOD_NOT_ALLOWED: return "method_not_allowed";
        case ErrorCode::PAYLOAD_TOO_LARGE: return "payload_too_large";
        case ErrorCode::HEADERS_TOO_LARGE: return "headers_too_large";
        case ErrorCode::OVERLOADED: return "overloaded";
        case ErrorCode::UNSUPPORTED: return "unsupported";
        case ErrorCode::MODEL_NOT_READY: return "model_not_ready";
        case ErrorCode::OUT_OF_MEMORY: return "out_of_memory";
        case ErrorCode::CANCELLED: return "cancelled";
        case ErrorCode::TIMEOUT: return "timeout";
        case ErrorCode::UPSTREAM: return "upstream_error";
        case ErrorCode::SHUTTING_DOWN: return "shutting_down";
        case ErrorCode::INTERNAL: return "internal";
    }
    return "internal";
}

}  // namespace hearth
