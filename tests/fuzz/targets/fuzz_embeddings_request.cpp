// libFuzzer: any bytes as a POST /v1/embeddings body, parsed and checked against the limits. The contract: never
// crash, never throw, never trip ASan/UBSan; a failure is an Error with a message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/embeddings_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto params = hearth::api::embeddings_params_from_body(body);
    if (!params && params.error().message.empty()) {
        std::abort();  // every refusal explains itself
    }
    return 0;
}
