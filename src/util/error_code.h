#pragma once
// The closed set of failure kinds hearth reports. Each maps to one HTTP status and OpenAI error type in
// exactly one place (src/api/openai_error.cpp); keep the set small (OVMS's 180 codes are the warning).

#include <string_view>

namespace hearth {

enum class ErrorCode {
    INVALID_ARGUMENT,         // a client mistake in a field: 400
    CONTEXT_LENGTH_EXCEEDED,  // prompt or prompt + output beyond the context: 400
    UNAUTHENTICATED,          // missing or wrong API key: 401
    NOT_FOUND,                // no such route or resource: 404
    MODEL_NOT_FOUND,          // no such model: 404
    METHOD_NOT_ALLOWED,       // route exists, method does not: 405
    PAYLOAD_TOO_LARGE,        // body or upload over the limit: 413
    HEADERS_TOO_LARGE,        // request headers over the limit: 431
    OVERLOADED,               // queue full: 429
    UNSUPPORTED,              // feature not available for this model or build: 400
    MODEL_NOT_READY,          // loading, failed or unservable: 503
    SHUTTING_DOWN,            // the server is draining before it stops: 503, try another replica
    OUT_OF_MEMORY,            // load would exceed the memory budget: 507
    CANCELLED,                // the client went away; nothing is sent
    TIMEOUT,                  // an internal wait ran out: 504
    UPSTREAM,                 // a remote server hearth called (a model hub) failed or refused: 502
    INTERNAL,                 // a bug or an engine failure: 500
};

std::string_view to_string(ErrorCode code);

}  // namespace hearth
