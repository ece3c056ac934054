#pragma once
// POST /v1/audio/speech: the JSON body read into a core::SpeechRequest. Fields as OpenAI's: model, input,
// voice (a name or {"id": name}), instructions, response_format, speed, stream_format; temperature and seed
// are hearth's extensions for models that sample. Unknown fields are ignored, as OpenAI does.

#include <string_view>

#include "core/speech_synthesis.h"
#include "util/result.h"

namespace hearth::api {

// The longest input OpenAI accepts, in characters (code points).
inline constexpr size_t MAX_SPEECH_INPUT_CHARS = 4096;

// Errors: INVALID_ARGUMENT naming the field: a missing or empty model or input, input over 4096 characters,
// a voice that is neither a string nor {"id": string}, an unknown response_format or stream_format, speed
// outside 0.25..4.0, temperature outside 0..2, a field of the wrong type, a body that is not a JSON object.
Result<core::SpeechRequest> parse_speech_request(std::string_view body);

}  // namespace hearth::api
