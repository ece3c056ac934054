// libFuzzer: any bytes as a POST /v1/responses body, translated to the chat body and resolved to ChatParams,
// also after a stored conversation. The contract: never crash, never throw, never trip ASan/UBSan; a failure
// is an Error with a message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/responses_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto request = hearth::api::parse_responses_request(body);
    if (!request) {
        if (request.error().message.empty()) {
            std::abort();  // every refusal explains itself
        }
        return 0;
    }
    for (std::string_view history : {std::string_view(), std::string_view(R"([{"role":"user","content":"x"}])")}) {
        auto params = hearth::api::responses_chat_params(*request, history);
        if (!params && params.error().message.empty()) {
            std::abort();
        }
    }
    return 0;
}
