#pragma once
// The built-in web page: GET / (the page) and GET /ui/{file} (its scripts and styles), from the files embedded
// at build time. Served without an API key (the page asks for one and sends it with its API calls), under a
// Content-Security-Policy that allows nothing but this server: no inline script, no other origin.

#include "http/router.h"

namespace hearth::server {

void register_web_routes(http::Router& router);

}  // namespace hearth::server
