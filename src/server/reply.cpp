#include "server/reply.h"

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

}  // namespace hearth::server
