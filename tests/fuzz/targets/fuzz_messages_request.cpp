// libFuzzer: any bytes as a POST /v1/messages (or count_tokens) body, translated to the chat body and resolved
// to ChatParams. The contract: never crash, never throw, never trip ASan/UBSan; a failure is an Error with a
// message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/messages_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    for (auto kind : {hearth::api::MessagesBody::CREATE, hearth::api::MessagesBody::COUNT_TOKENS}) {
        auto params = hearth::api::messages_params_from_body(body, kind);
        if (!params && params.error().message.empty()) {
            std::abort();  // every refusal explains itself
        }
    }
    return 0;
}
