// libFuzzer: any bytes as a request path against hearth's route patterns. The contract: never crash; a
// captured value is valid UTF-8 (it is echoed in JSON replies).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/router.h"
#include "util/utf8.h"

namespace {

hearth::http::Router make_router() {
    hearth::http::Router router;
    const auto ok = [](const hearth::http::HttpRequest&, const hearth::http::RouteParams&) {
        return hearth::http::HttpResponse{};
    };
    router.add("GET", "/health", ok);
    router.add("GET", "/v1/models", ok);
    router.add("GET", "/v1/models/{id*}", ok);
    router.add("POST", "/v1/chat/completions", ok);
    router.add("GET", "/v1/things/{a}/parts/{b}", ok);
    return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const hearth::http::Router router = make_router();
    const std::string_view path(reinterpret_cast<const char*>(data), size);
    const auto match = router.match(size % 2 == 0 ? "GET" : "POST", path);
    for (const auto& [name, value] : match.params) {
        if (!hearth::utf8::is_valid(value)) {
            std::abort();
        }
    }
    return 0;
}
