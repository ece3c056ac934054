// libFuzzer: any bytes as a POST /v1/audio/speech body. The contract: never crash, never throw, never trip
// ASan/UBSan; a failure is an Error with a message; a success holds what the route relies on.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/speech_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto request = hearth::api::parse_speech_request(body);
    if (!request) {
        if (request.error().message.empty()) {
            std::abort();  // every refusal explains itself
        }
        return 0;
    }
    if (request->model.empty() || request->input.empty() || request->speed < 0.25 || request->speed > 4.0) {
        std::abort();
    }
    return 0;
}
