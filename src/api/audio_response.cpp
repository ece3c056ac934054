#include "api/audio_response.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hearth::api {

namespace {

using nlohmann::json;

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string trimmed(const std::string& text) {
    const size_t first = text.find_first_not_of(' ');
    return first == std::string::npos ? std::string() : text.substr(first);
}

// Subtitles need times that never go backwards and cues that end after they start; a model's timestamps
// (random weights above all) need not be so, so cues are clamped into order.
std::string subtitles(const core::Transcript& t, bool vtt) {
    std::string out = vtt ? "WEBVTT\n\n" : "";
    double last = 0;
    int index = 1;
    for (const auto& segment : t.segments) {
        const double start = std::max({segment.start, last, 0.0});
        const double end = std::max(segment.end, start);
        last = start;
        if (!vtt) {
            out += std::to_string(index++) + "\n";
        }
        out += subtitle_time(start, vtt ? '.' : ',') + " --> " + subtitle_time(end, vtt ? '.' : ',') + "\n";
        out += trimmed(segment.text) + "\n\n";
    }
    return out;
}

json verbose(const core::Transcript& t, const AudioRequest& request) {
    json out = {{"task", request.options.translate ? "translate" : "transcribe"},
                {"language", t.language},
                {"duration", t.duration},
                {"text", t.text()}};
    if (request.segment_timestamps) {
        json segments = json::array();
        for (const auto& s : t.segments) {
            segments.push_back({{"id", s.id},
                                {"seek", 0},
                                {"start", s.start},
                                {"end", s.end},
                                {"text", s.text},
                                {"tokens", s.tokens},
                                {"temperature", s.temperature},
                                {"avg_logprob", s.avg_logprob},
                                {"compression_ratio", 0.0},
                                {"no_speech_prob", s.no_speech_prob}});
        }
        out["segments"] = std::move(segments);
    }
    if (request.options.word_timestamps) {
        json words = json::array();
        for (const auto& w : t.words) {
            words.push_back({{"word", w.word}, {"start", w.start}, {"end", w.end}});
        }
        out["words"] = std::move(words);
    }
    out["usage"] = {{"type", "duration"}, {"seconds", static_cast<int64_t>(std::ceil(t.duration))}};
    return out;
}

}  // namespace

std::string subtitle_time(double seconds, char decimal_mark) {
    const auto ms = static_cast<int64_t>(std::llround(std::max(seconds, 0.0) * 1000.0));
    char text[32];
    std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld%c%03lld", static_cast<long long>(ms / 3600000),
                  static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60), decimal_mark,
                  static_cast<long long>(ms % 1000));
    return text;
}

ApiReply transcript_reply(const core::Transcript& transcript, const AudioRequest& request) {
    switch (request.format) {
        case TranscriptFormat::TEXT: return ApiReply{200, transcript.text() + "\n", "text/plain; charset=utf-8"};
        case TranscriptFormat::SRT: return ApiReply{200, subtitles(transcript, false), "application/x-subrip"};
        case TranscriptFormat::VTT: return ApiReply{200, subtitles(transcript, true), "text/vtt; charset=utf-8"};
        case TranscriptFormat::VERBOSE_JSON: return ApiReply{200, dump(verbose(transcript, request))};
        case TranscriptFormat::JSON: break;
    }
    json out = {{"text", transcript.text()},
                {"usage", {{"type", "duration"}, {"seconds", static_cast<int64_t>(std::ceil(transcript.duration))}}}};
    return ApiReply{200, dump(out)};
}

}  // namespace hearth::api
