#pragma once
// /v1/audio/speech's streamed events and /v1/audio/voices' listing, as JSON text.

#include <string>
#include <string_view>
#include <vector>

#include "core/speech_synthesis.h"

namespace hearth::api {

// One `speech.audio.delta` server-sent event carrying encoded audio bytes (base64 in the JSON).
std::string speech_delta_event(std::string_view audio);
// The final `speech.audio.done` event with the usage (input, output and total tokens).
std::string speech_done_event(const core::SpeechUsage& usage);

struct VoiceListing {
    std::string model;
    std::vector<std::string> voices;  // empty: not loaded, so not known yet
    bool loaded = false;
};

// {"object": "list", "data": [{"id", "name", "model"}...], "models": [{"id", "loaded", "voices"}]}: every voice
// of every loaded speech model, and per model what is known (an unloaded OuteTTS model's speaker profiles
// are read when it loads).
std::string voices_json(const std::vector<VoiceListing>& models);

}  // namespace hearth::api
