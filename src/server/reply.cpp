#include "server/reply.h"

#include "api/messages_response.h"
#include "api/openai_error.h"

namespace hearth::server {

http::HttpResponse to_http(api::ApiReply reply) {
    http::HttpResponse out;
    out.status = reply.status;
    out.content_type = std::move(reply.content_type);
    out.body = std::move(reply.body);
    return out;
}

http::HttpResponse error_response(const Error& error) {
    return to_http(api::error_reply(error));
}

http::HttpResponse anthropic_error_response(const Error& error) {
    http::HttpResponse response;
    response.status = api::http_status(error.code);
    response.content_type = "application/json";
    response.body = api::anthropic_error_body(error);
    return response;
}

http::HttpResponse error_response(const Error& error, std::string_view path) {
    constexpr std::string_view MESSAGES = "/v1/messages";
    const bool anthropic =
        path.starts_with(MESSAGES) && (path.size() == MESSAGES.size() || path[MESSAGES.size()] == '/');
    return anthropic ? anthropic_error_response(error) : error_response(error);
}

}  // namespace hearth::server
