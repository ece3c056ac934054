// multipart/form-data parsing, the audio request's fields and errors, and the transcript formats.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "api/audio_request.h"
#include "api/audio_response.h"
#include "api/multipart.h"

namespace hearth::api {
namespace {

const std::string CT = "multipart/form-data; boundary=XyZ";

std::string part(const std::string& name, const std::string& value, const std::string& filename = "") {
    std::string p = "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) {
        p += "; filename=\"" + filename + "\"\r\nContent-Type: audio/wav";
    }
    return p + "\r\n\r\n" + value + "\r\n";
}

std::string form(const std::vector<std::string>& parts) {
    std::string body = "preamble is ignored\r\n";
    for (const auto& p : parts) {
        body += p;
    }
    return body + "--XyZ--\r\n";
}

TEST(Multipart, PartsWithBinaryDataAndParameters) {
    const std::string audio("RIFF\0\r\n--Xy\xff", 12);  // bytes that look like a delimiter but are not one
    const std::string body = form({part("file", audio, "a;b.wav"), part("model", "whisper")});
    auto boundary = multipart_boundary(CT);
    ASSERT_TRUE(boundary);
    EXPECT_EQ(*boundary, "XyZ");
    EXPECT_EQ(*multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"q u\""), "q u");
    auto parts = parse_multipart(body, *boundary);
    ASSERT_TRUE(parts) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "file");
    EXPECT_EQ((*parts)[0].filename, "a;b.wav");
    EXPECT_EQ((*parts)[0].content_type, "audio/wav");
    EXPECT_EQ((*parts)[0].data, audio);
    EXPECT_EQ((*parts)[1].data, "whisper");
}

TEST(Multipart, MalformedBodiesAreRefused) {
    const auto refused = [](const std::string& body, const std::string& needle) {
        auto parts = parse_multipart(body, "XyZ", 3);
        ASSERT_FALSE(parts) << body;
        EXPECT_EQ(parts.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(parts.error().message.find(needle), std::string::npos) << parts.error().message;
    };
    refused("no delimiter at all", "no boundary");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue without end", "closing boundary");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"", "headers never end");
    refused("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--", "without a Content-Disposition name");
    refused("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--", "not form-data");
    refused("--XyZ\r\nbroken header\r\n\r\nx\r\n--XyZ--", "without ':'");
    refused("--XyZjunk", "not followed by CRLF");
    refused(form({part("a", "1"), part("b", "2"), part("c", "3"), part("d", "4")}), "more than 3 parts");
    EXPECT_FALSE(multipart_boundary("application/json"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(80, 'b')));
}

TEST(AudioRequest, FieldsAndDefaults) {
    auto r = parse_audio_request(
        CT,
        form({part("file", "bytes", "x.mp3"), part("model", "w"), part("language", "de"), part("prompt", "Zürich"),
              part("temperature", "0.4"), part("response_format", "verbose_json"),
              part("timestamp_granularities[]", "word"), part("vad", "true"), part("unknown_field", "ignored")}),
        false);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->model, "w");
    EXPECT_EQ(r->file, "bytes");
    EXPECT_EQ(r->filename, "x.mp3");
    EXPECT_EQ(r->options.language, "de");
    EXPECT_EQ(r->options.prompt, "Zürich");
    EXPECT_FLOAT_EQ(r->options.temperature, 0.4f);
    EXPECT_EQ(r->format, TranscriptFormat::VERBOSE_JSON);
    EXPECT_TRUE(r->options.word_timestamps);
    EXPECT_FALSE(r->segment_timestamps);  // only words were asked for
    EXPECT_TRUE(r->options.vad);
    auto t = parse_audio_request(CT, form({part("file", "b"), part("model", "w"), part("language", "de")}), true);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->options.translate);
    EXPECT_TRUE(t->options.language.empty());  // translations detect the source language
    EXPECT_EQ(t->format, TranscriptFormat::JSON);
}

TEST(AudioRequest, ErrorsNameTheField) {
    const auto refused = [](const std::vector<std::string>& parts, const std::string& param) {
        auto r = parse_audio_request(CT, form(parts), false);
        ASSERT_FALSE(r) << param;
        EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(r.error().param, param) << r.error().message;
    };
    refused({part("model", "w")}, "file");
    refused({part("file", "b")}, "model");
    refused({part("file", "b"), part("model", "w"), part("response_format", "xml")}, "response_format");
    refused({part("file", "b"), part("model", "w"), part("temperature", "2")}, "temperature");
    refused({part("file", "b"), part("model", "w"), part("temperature", "hot")}, "temperature");
    refused({part("file", "b"), part("model", "w"), part("timestamp_granularities[]", "word")},
            "timestamp_granularities");
    refused({part("file", "b"), part("model", "w"), part("stream", "true")}, "stream");
    refused({part("file", "b"), part("model", "w"), part("prompt", "\xc3\x28")}, "prompt");
    EXPECT_FALSE(parse_audio_request("application/json", "{}", false));
}

core::Transcript transcript() {
    core::Transcript t;
    t.language = "english";
    t.duration = 3.5;
    t.segments = {{0, 0.0, 1.5, " Hello there.", {50364, 2425}, -0.3, 0.01, 0.0},
                  {1, 1.0, 0.5, " Out of order.", {1}, -0.5, 0.02, 0.0},  // a cue that ends before it starts
                  {2, 3600.25, 3601.0, " Late.", {2}, -0.1, 0.0, 0.0}};
    t.words = {{"Hello", 0.0, 0.6}};
    return t;
}

TEST(AudioResponse, TextJsonAndVerbose) {
    AudioRequest r;
    EXPECT_EQ(nlohmann::json::parse(transcript_reply(transcript(), r).body)["text"],
              "Hello there. Out of order. Late.");
    r.format = TranscriptFormat::TEXT;
    const ApiReply text = transcript_reply(transcript(), r);
    EXPECT_EQ(text.body, "Hello there. Out of order. Late.\n");
    EXPECT_EQ(text.content_type.rfind("text/plain", 0), 0u);
    r.format = TranscriptFormat::VERBOSE_JSON;
    r.options.word_timestamps = true;
    const auto v = nlohmann::json::parse(transcript_reply(transcript(), r).body);
    EXPECT_EQ(v["task"], "transcribe");
    EXPECT_EQ(v["language"], "english");
    EXPECT_DOUBLE_EQ(v["duration"].get<double>(), 3.5);
    ASSERT_EQ(v["segments"].size(), 3u);
    for (const char* key : {"id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
                            "compression_ratio", "no_speech_prob"}) {
        EXPECT_TRUE(v["segments"][0].contains(key)) << key;
    }
    EXPECT_EQ(v["words"][0]["word"], "Hello");
}

TEST(AudioResponse, SubtitlesAreValidAndMonotonic) {
    EXPECT_EQ(subtitle_time(3723.456, ','), "01:02:03,456");
    EXPECT_EQ(subtitle_time(-1, '.'), "00:00:00.000");
    AudioRequest r;
    r.format = TranscriptFormat::SRT;
    const std::string srt = transcript_reply(transcript(), r).body;
    EXPECT_EQ(srt.rfind("1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n", 0), 0u) << srt;
    r.format = TranscriptFormat::VTT;
    const std::string vtt = transcript_reply(transcript(), r).body;
    EXPECT_EQ(vtt.rfind("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n", 0), 0u) << vtt;
    const std::regex cue(R"((\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d))");
    double last = 0;
    for (auto it = std::sregex_iterator(vtt.begin(), vtt.end(), cue); it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        const auto at = [&m](int i) {
            return std::stoi(m[i]) * 3600.0 + std::stoi(m[i + 1]) * 60.0 + std::stoi(m[i + 2]) +
                   std::stoi(m[i + 3]) / 1000.0;
        };
        EXPECT_GE(at(1), last);
        EXPECT_GE(at(5), at(1));
        last = at(1);
    }
}

}  // namespace
}  // namespace hearth::api
