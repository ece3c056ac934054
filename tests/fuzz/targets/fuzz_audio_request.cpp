// libFuzzer: any bytes as a multipart/form-data body of POST /v1/audio/transcriptions (first byte odd:
// /translations), through the multipart parser into an AudioRequest. The contract: never crash, never
// throw, never trip ASan/UBSan; a failure is an Error with a message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/audio_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const bool translation = (data[0] & 1) != 0;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    auto request = hearth::api::parse_audio_request("multipart/form-data; boundary=hearthfuzz", body, translation);
    if (!request && request.error().message.empty()) {
        std::abort();  // every refusal explains itself
    }
    return 0;
}
