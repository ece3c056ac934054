#pragma once
// POST /v1/audio/transcriptions and /v1/audio/translations: the multipart form read into a typed request.
// Fields as OpenAI's: file, model, language, prompt, temperature, response_format, timestamp_granularities[];
// `vad` ("true") is hearth's extension. Unknown fields are ignored, as OpenAI does.

#include <string>
#include <string_view>

#include "core/transcription.h"
#include "util/result.h"

namespace hearth::api {

enum class TranscriptFormat { JSON, TEXT, SRT, VTT, VERBOSE_JSON };

struct AudioRequest {
    std::string model;
    std::string_view file;  // the uploaded bytes (a view of the request body)
    std::string filename;
    TranscriptFormat format = TranscriptFormat::JSON;
    bool segment_timestamps = true;  // verbose_json: segments (default) and/or words
    core::TranscriptionOptions options;
};

// Errors: INVALID_ARGUMENT naming the field (a missing file or model, an unknown response_format, a
// temperature outside [0, 1], timestamp granularities without verbose_json, stream, text that is not UTF-8).
Result<AudioRequest> parse_audio_request(std::string_view content_type, std::string_view body, bool translation);

}  // namespace hearth::api
