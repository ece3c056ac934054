#include "api/speech_response.h"

#include <nlohmann/json.hpp>

#include "api/sse.h"
#include "util/base64.h"

namespace hearth::api {

using nlohmann::json;

std::string speech_delta_event(std::string_view audio) {
    const json event = {{"type", "speech.audio.delta"}, {"audio", base64_encode(audio)}};
    return sse_event(event.dump());
}

std::string speech_done_event(const core::SpeechUsage& usage) {
    const json event = {{"type", "speech.audio.done"},
                        {"usage",
                         {{"input_tokens", usage.input_tokens},
                          {"output_tokens", usage.output_tokens},
                          {"total_tokens", usage.input_tokens + usage.output_tokens}}}};
    return sse_event(event.dump());
}

std::string voices_json(const std::vector<VoiceListing>& models) {
    json data = json::array();
    json per_model = json::array();
    for (const VoiceListing& model : models) {
        for (const std::string& voice : model.voices) {
            data.push_back({{"id", voice}, {"name", voice}, {"model", model.model}, {"object", "voice"}});
        }
        per_model.push_back({{"id", model.model}, {"loaded", model.loaded}, {"voices", model.voices}});
    }
    return json{{"object", "list"}, {"data", data}, {"models", per_model}}.dump();
}

}  // namespace hearth::api
