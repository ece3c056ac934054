// libFuzzer: any bytes as a config.json (the models section: ids, paths, load options, keep-alive). The
// contract: never crash, never throw, never trip ASan/UBSan; what parses formats back without failing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/model_config_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto models = hearth::api::parse_model_config(text);
    if (!models && models.error().message.empty()) {
        std::abort();  // every refusal explains itself
    }
    if (models) {
        (void)hearth::api::format_model_config(*models);
    }
    return 0;
}
