// /v1/audio/speech's request fields (defaults, both voice forms, every error naming its field) and the
// streamed events and voice listing it answers with.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/speech_request.h"
#include "api/speech_response.h"
#include "api/sse.h"
#include "util/base64.h"

namespace hearth::api {
namespace {

using nlohmann::json;

Result<core::SpeechRequest> parse(const json& body) {
    return parse_speech_request(body.dump());
}

void expect_invalid(const json& body, const std::string& param, const std::string& message_part = "") {
    auto parsed = parse(body);
    ASSERT_FALSE(parsed) << body.dump();
    EXPECT_EQ(parsed.error().code, ErrorCode::INVALID_ARGUMENT) << body.dump();
    EXPECT_EQ(parsed.error().param, param) << body.dump() << ": " << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(message_part), std::string::npos) << parsed.error().message;
}

TEST(SpeechRequest, DefaultsAsOpenAI) {
    auto parsed = parse({{"model", "flite"}, {"input", "Hello."}, {"voice", "alloy"}});
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->model, "flite");
    EXPECT_EQ(parsed->input, "Hello.");
    EXPECT_EQ(parsed->voice, "alloy");
    EXPECT_EQ(parsed->format, core::AudioFormat::MP3);
    EXPECT_DOUBLE_EQ(parsed->speed, 1.0);
    EXPECT_FALSE(parsed->sse);
    EXPECT_FALSE(parsed->temperature);
    EXPECT_FALSE(parsed->seed);
}

TEST(SpeechRequest, EveryFieldRead) {
    auto parsed = parse({{"model", "m"},
                         {"input", "Hi"},
                         {"voice", {{"id", "speaker-1"}}},
                         {"instructions", "calm"},
                         {"response_format", "wav"},
                         {"speed", 0.25},
                         {"stream_format", "sse"},
                         {"temperature", 0},
                         {"seed", 7},
                         {"unknown_field", true}});
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->voice, "speaker-1");
    EXPECT_EQ(parsed->instructions, "calm");
    EXPECT_EQ(parsed->format, core::AudioFormat::WAV);
    EXPECT_DOUBLE_EQ(parsed->speed, 0.25);
    EXPECT_TRUE(parsed->sse);
    EXPECT_EQ(parsed->temperature, 0.0F);
    EXPECT_EQ(parsed->seed, 7U);
    for (const char* format : {"mp3", "opus", "aac", "flac", "wav", "pcm"}) {
        auto each = parse({{"model", "m"}, {"input", "x"}, {"response_format", format}});
        ASSERT_TRUE(each) << format;
        EXPECT_EQ(core::to_string(each->format), format);
    }
    EXPECT_TRUE(parse({{"model", "m"}, {"input", "x"}, {"speed", 4.0}}));
    EXPECT_TRUE(parse({{"model", "m"}, {"input", "x"}, {"stream_format", "audio"}}));
    EXPECT_TRUE(parse({{"model", "m"}, {"input", "x"}, {"voice", nullptr}}));  // null: not set
}

TEST(SpeechRequest, InputLimitCountsCharactersNotBytes) {
    std::string four_k;
    for (int i = 0; i < 4096; ++i) {
        four_k += "\xc3\xa9";  // é: 2 bytes, 1 character
    }
    EXPECT_TRUE(parse({{"model", "m"}, {"input", four_k}}));
    expect_invalid({{"model", "m"}, {"input", four_k + "a"}}, "input", "4097 characters");
}

TEST(SpeechRequest, ErrorsNameTheField) {
    expect_invalid({{"input", "x"}}, "model", "required");
    expect_invalid({{"model", "m"}}, "input", "required");
    expect_invalid({{"model", "m"}, {"input", ""}}, "input");
    expect_invalid({{"model", "m"}, {"input", 5}}, "input");
    expect_invalid({{"model", 5}, {"input", "x"}}, "model");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"voice", 3}}, "voice");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"voice", {{"name", "a"}}}}, "voice.id");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"response_format", "ogg"}}, "response_format", "ogg");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"response_format", 1}}, "response_format");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"stream_format", "chunks"}}, "stream_format");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"speed", 0.2}}, "speed");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"speed", 4.01}}, "speed");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"speed", "fast"}}, "speed");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"temperature", -1}}, "temperature");
    expect_invalid({{"model", "m"}, {"input", "x"}, {"instructions", 1}}, "instructions");
    auto not_object = parse_speech_request("[1]");
    ASSERT_FALSE(not_object);
    EXPECT_EQ(not_object.error().code, ErrorCode::INVALID_ARGUMENT);
    auto broken = parse_speech_request("{\"model\": ");
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().code, ErrorCode::INVALID_ARGUMENT);
}

json event_json(const std::string& event) {
    EXPECT_EQ(event.rfind("data: ", 0), 0U) << event;
    EXPECT_EQ(event.substr(event.size() - 2), "\n\n");
    return json::parse(event.substr(6, event.size() - 8));
}

TEST(SpeechResponse, DeltaCarriesTheBytesInBase64) {
    const std::string bytes("ID3\0\xff\xfb", 6);
    const json delta = event_json(speech_delta_event(bytes));
    EXPECT_EQ(delta["type"], "speech.audio.delta");
    EXPECT_EQ(base64_decode(delta["audio"].get<std::string>()), bytes);
}

TEST(SpeechResponse, DoneCarriesUsage) {
    const json done = event_json(speech_done_event({12, 30, 2.5}));
    EXPECT_EQ(done["type"], "speech.audio.done");
    EXPECT_EQ(done["usage"]["input_tokens"], 12);
    EXPECT_EQ(done["usage"]["output_tokens"], 30);
    EXPECT_EQ(done["usage"]["total_tokens"], 42);
}

TEST(SpeechResponse, VoicesListEveryVoiceOfLoadedModels) {
    const json list = json::parse(voices_json({{"flite", {"slt", "kal"}, true}, {"oute", {}, false}}));
    EXPECT_EQ(list["object"], "list");
    ASSERT_EQ(list["data"].size(), 2U);
    EXPECT_EQ(list["data"][1]["id"], "kal");
    EXPECT_EQ(list["data"][1]["model"], "flite");
    ASSERT_EQ(list["models"].size(), 2U);
    EXPECT_EQ(list["models"][1]["id"], "oute");
    EXPECT_EQ(list["models"][1]["loaded"], false);
    EXPECT_TRUE(list["models"][1]["voices"].empty());
}

}  // namespace
}  // namespace hearth::api
