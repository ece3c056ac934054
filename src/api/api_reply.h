#pragma once
// What an api function hands back to the server layer: a status and a body, transport-neutral.

#include <string>

namespace hearth::api {

struct ApiReply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

}  // namespace hearth::api
