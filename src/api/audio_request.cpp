#include "api/audio_request.h"

#include <cstdlib>

#include "api/multipart.h"

namespace hearth::api {

namespace {

Error invalid(const std::string& param, const std::string& message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, message, param);
}

bool valid_utf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > text.size()) {
            return false;
        }
        for (size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

Result<TranscriptFormat> format_of(std::string_view name) {
    if (name == "json") {
        return TranscriptFormat::JSON;
    }
    if (name == "text") {
        return TranscriptFormat::TEXT;
    }
    if (name == "srt") {
        return TranscriptFormat::SRT;
    }
    if (name == "vtt") {
        return TranscriptFormat::VTT;
    }
    if (name == "verbose_json") {
        return TranscriptFormat::VERBOSE_JSON;
    }
    return invalid("response_format", "response_format must be json, text, srt, verbose_json or vtt");
}

Result<float> temperature_of(std::string_view text) {
    const std::string value(text);
    char* end = nullptr;
    const double t = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(t >= 0.0 && t <= 1.0)) {
        return invalid("temperature", "temperature must be a number in [0, 1]");
    }
    return static_cast<float>(t);
}

// One text field into the request.
Result<void> apply_field(AudioRequest& r, const MultipartPart& part, bool& words, bool& segments, bool& granular) {
    const std::string_view v = part.data;
    if (!valid_utf8(v)) {
        return invalid(part.name, "the field '" + part.name + "' is not valid UTF-8");
    }
    if (part.name == "model") {
        r.model = std::string(v);
    } else if (part.name == "language") {
        r.options.language = std::string(v);
    } else if (part.name == "prompt") {
        r.options.prompt = std::string(v);
    } else if (part.name == "temperature") {
        auto t = temperature_of(v);
        if (!t) {
            return t.error();
        }
        r.options.temperature = *t;
    } else if (part.name == "response_format") {
        auto f = format_of(v);
        if (!f) {
            return f.error();
        }
        r.format = *f;
    } else if (part.name == "timestamp_granularities[]" || part.name == "timestamp_granularities") {
        granular = true;
        if (v != "word" && v != "segment") {
            return invalid("timestamp_granularities", "timestamp_granularities must be word and/or segment");
        }
        (v == "word" ? words : segments) = true;
    } else if (part.name == "vad") {
        r.options.vad = v == "true" || v == "1";
    } else if (part.name == "stream" && v == "true") {
        return invalid("stream", "streaming transcriptions are not supported for whisper models");
    }
    return {};
}

}  // namespace

Result<AudioRequest> parse_audio_request(std::string_view content_type, std::string_view body, bool translation) {
    auto boundary = multipart_boundary(content_type);
    if (!boundary) {
        return boundary.error();
    }
    auto parts = parse_multipart(body, *boundary);
    if (!parts) {
        return parts.error();
    }
    AudioRequest r;
    bool has_file = false;
    bool words = false;
    bool segments = false;
    bool granular = false;
    for (const MultipartPart& part : *parts) {
        if (part.name == "file") {
            r.file = part.data;
            r.filename = part.filename;
            has_file = true;
        } else if (auto applied = apply_field(r, part, words, segments, granular); !applied) {
            return applied.error();
        }
    }
    if (!has_file) {
        return invalid("file", "the audio file is missing (a 'file' part)");
    }
    if (r.model.empty()) {
        return invalid("model", "model is required");
    }
    if (granular && r.format != TranscriptFormat::VERBOSE_JSON) {
        return invalid("timestamp_granularities", "timestamp_granularities needs response_format verbose_json");
    }
    r.options.word_timestamps = words;
    r.segment_timestamps = !granular || segments;
    r.options.translate = translation;
    if (translation) {
        r.options.language.clear();  // the source language is detected; the output is English
    }
    return r;
}

}  // namespace hearth::api
