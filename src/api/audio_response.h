#pragma once
// Transcripts in OpenAI's response formats: json ({"text"}), text, srt, vtt and verbose_json (language,
// duration, segments with tokens and log-probabilities, words when asked for).

#include "api/api_reply.h"
#include "api/audio_request.h"
#include "core/transcription.h"

namespace hearth::api {

ApiReply transcript_reply(const core::Transcript& transcript, const AudioRequest& request);

// "00:01:02,345" (srt) or "00:01:02.345" (vtt) for seconds; negative times read as 0.
std::string subtitle_time(double seconds, char decimal_mark);

}  // namespace hearth::api
