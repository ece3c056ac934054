#include "api/completions_response.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace hearth::api {
namespace {

using nlohmann::json;

constexpr int64_t CREATED = 1700000000;

ResponseOptions chat_options(bool stream, uint32_t n = 1) {
    ResponseOptions o;
    o.id = "chatcmpl-test";
    o.created = CREATED;
    o.model = "qwen";
    o.n = n;
    o.stream = stream;
    return o;
}

ResponseOptions text_options(bool stream, uint32_t n = 1) {
    ResponseOptions o = chat_options(stream, n);
    o.id = "cmpl-test";
    return o;
}

core::TokenEvent token(uint32_t choice, std::string text, std::vector<core::TokenLogprob> chosen = {},
                       std::vector<std::vector<core::TokenLogprob>> top = {}) {
    core::TokenEvent e;
    e.choice = choice;
    e.text = std::move(text);
    for (const auto& c : chosen) {
        e.tokens.push_back(c.token);
    }
    e.logprobs = std::move(chosen);
    e.top_logprobs = std::move(top);
    return e;
}

core::FinishEvent finish(uint32_t choice, core::FinishReason reason, int32_t prompt, int32_t completion,
                         int32_t cached = 0) {
    core::FinishEvent e;
    e.choice = choice;
    e.reason = reason;
    e.usage = {prompt, completion, cached};
    e.timings = {5.0, 50.0, 40.0, 90.0, prompt - cached};
    return e;
}

// Splits SSE text into its events; each must be exactly "data: <payload>\n\n". [DONE] becomes "[DONE]".
std::vector<json> events(const std::string& sse) {
    std::vector<json> out;
    size_t pos = 0;
    while (pos < sse.size()) {
        const size_t end = sse.find("\n\n", pos);
        EXPECT_NE(end, std::string::npos) << "unterminated event in: " << sse;
        if (end == std::string::npos) {
            break;
        }
        const std::string event = sse.substr(pos, end - pos);
        EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
        EXPECT_EQ(event.find('\n'), std::string::npos) << event;
        const std::string payload = event.substr(6);
        out.push_back(payload == "[DONE]" ? json("[DONE]") : json::parse(payload));
        pos = end + 2;
    }
    return out;
}

std::set<std::string> keys(const json& object) {
    std::set<std::string> out;
    for (const auto& [key, value] : object.items()) {
        out.insert(key);
    }
    return out;
}

void expect_timings(const json& t, int32_t prompt_n, int32_t predicted_n, int32_t cached) {
    EXPECT_EQ(keys(t), (std::set<std::string>{"queue_ms", "ttft_ms", "prompt_n", "prompt_ms", "prompt_per_second",
                                              "cache_n", "predicted_n", "predicted_ms", "predicted_per_second",
                                              "tpot_ms", "draft_n", "draft_n_accepted"}));
    EXPECT_DOUBLE_EQ(t["queue_ms"].get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(t["ttft_ms"].get<double>(), 50.0);
    EXPECT_DOUBLE_EQ(t["prompt_ms"].get<double>(), 40.0);
    EXPECT_DOUBLE_EQ(t["predicted_ms"].get<double>(), 90.0);
    EXPECT_EQ(t["prompt_n"], prompt_n);
    EXPECT_TRUE(t["prompt_n"].is_number_integer());
    EXPECT_EQ(t["predicted_n"], predicted_n);
    EXPECT_EQ(t["cache_n"], cached);
    EXPECT_DOUBLE_EQ(t["prompt_per_second"].get<double>(), prompt_n * 1000.0 / 40.0);
    const double tpot = predicted_n > 1 ? 90.0 / (predicted_n - 1) : 0.0;
    EXPECT_DOUBLE_EQ(t["tpot_ms"].get<double>(), tpot);
    EXPECT_DOUBLE_EQ(t["predicted_per_second"].get<double>(), tpot > 0 ? 1000.0 / tpot : 0.0);
}

void expect_usage(const json& u, int32_t prompt, int32_t completion, int32_t cached) {
    EXPECT_EQ(keys(u),
              (std::set<std::string>{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"}));
    EXPECT_EQ(u["prompt_tokens"], prompt);
    EXPECT_EQ(u["completion_tokens"], completion);
    EXPECT_EQ(u["total_tokens"], prompt + completion);
    EXPECT_EQ(u["prompt_tokens_details"], json({{"cached_tokens", cached}}));
}

// ---- chat, whole ----

TEST(ChatResponse, NonStreamingShape) {
    ChatCompletionFormatter f(chat_options(false));
    EXPECT_EQ(f.on_token(token(0, "Hel")), "");
    EXPECT_EQ(f.on_token(token(0, "")), "");
    EXPECT_EQ(f.on_token(token(0, "lo")), "");
    EXPECT_FALSE(f.all_finished());
    EXPECT_EQ(f.on_finish(finish(0, core::FinishReason::STOP, 10, 2, 4)), "");
    EXPECT_TRUE(f.all_finished());
    const json body = json::parse(f.body());
    EXPECT_EQ(keys(body), (std::set<std::string>{"id", "object", "created", "model", "choices", "usage", "timings"}));
    EXPECT_EQ(body["id"], "chatcmpl-test");
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_EQ(body["created"], CREATED);
    EXPECT_TRUE(body["created"].is_number_integer());
    EXPECT_EQ(body["model"], "qwen");
    ASSERT_EQ(body["choices"].size(), 1u);
    const json& choice = body["choices"][0];
    EXPECT_EQ(keys(choice), (std::set<std::string>{"index", "message", "logprobs", "finish_reason"}));
    EXPECT_EQ(choice["index"], 0);
    EXPECT_EQ(choice["message"], json({{"role", "assistant"}, {"content", "Hello"}, {"refusal", nullptr}}));
    EXPECT_TRUE(choice["logprobs"].is_null());
    EXPECT_EQ(choice["finish_reason"], "stop");
    expect_usage(body["usage"], 10, 2, 4);
    expect_timings(body["timings"], 6, 2, 4);
}

TEST(ChatResponse, FinishReasons) {
    for (const auto& [reason, name] :
         {std::pair{core::FinishReason::STOP, "stop"}, std::pair{core::FinishReason::LENGTH, "length"},
          std::pair{core::FinishReason::CANCELLED, "length"}}) {
        ChatCompletionFormatter f(chat_options(false));
        (void)f.on_finish(finish(0, reason, 1, 0));
        EXPECT_EQ(json::parse(f.body())["choices"][0]["finish_reason"], name);
    }
}

TEST(ChatResponse, LogprobsNonStreaming) {
    ResponseOptions o = chat_options(false);
    o.logprobs = true;
    ChatCompletionFormatter f(o);
    (void)f.on_token(token(0, "\xc3\xa9", {{11, "\xc3\xa9", -0.1f}}, {{{11, "\xc3\xa9", -0.1f}, {12, "e", -2.5f}}}));
    (void)f.on_token(token(0, "!", {{13, "!", -std::numeric_limits<float>::infinity()}}, {{}}));
    (void)f.on_finish(finish(0, core::FinishReason::STOP, 3, 2));
    const json lp = json::parse(f.body())["choices"][0]["logprobs"];
    EXPECT_EQ(keys(lp), (std::set<std::string>{"content", "refusal"}));
    EXPECT_TRUE(lp["refusal"].is_null());
    ASSERT_EQ(lp["content"].size(), 2u);
    const json& first = lp["content"][0];
    EXPECT_EQ(keys(first), (std::set<std::string>{"token", "logprob", "bytes", "top_logprobs"}));
    EXPECT_EQ(first["token"], "\xc3\xa9");
    EXPECT_EQ(first["logprob"].get<double>(), -0.1);  // shortest form of the float, not -0.10000000149
    EXPECT_EQ(first["bytes"], json({195, 169}));
    ASSERT_EQ(first["top_logprobs"].size(), 2u);
    EXPECT_EQ(first["top_logprobs"][1], json({{"token", "e"}, {"logprob", -2.5}, {"bytes", {101}}}));
    EXPECT_EQ(lp["content"][1]["logprob"].get<double>(), -9999.0);  // JSON has no -Infinity
    EXPECT_EQ(lp["content"][1]["top_logprobs"], json::array());
}

TEST(ChatResponse, ManyChoicesInIndexOrderWithSummedUsage) {
    ChatCompletionFormatter f(chat_options(false, 2));
    (void)f.on_token(token(1, "B"));
    (void)f.on_token(token(0, "A"));
    (void)f.on_finish(finish(1, core::FinishReason::LENGTH, 10, 3, 10));
    EXPECT_FALSE(f.all_finished());
    (void)f.on_finish(finish(0, core::FinishReason::STOP, 10, 4, 0));
    EXPECT_TRUE(f.all_finished());
    const json body = json::parse(f.body());
    ASSERT_EQ(body["choices"].size(), 2u);
    EXPECT_EQ(body["choices"][0]["index"], 0);
    EXPECT_EQ(body["choices"][0]["message"]["content"], "A");
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(body["choices"][1]["message"]["content"], "B");
    EXPECT_EQ(body["choices"][1]["finish_reason"], "length");
    expect_usage(body["usage"], 10, 7, 0);  // the prompt counts once: choice 0's report
    expect_timings(body["timings"], 10, 4, 0);
    expect_timings(body["choices"][1]["timings"], 0, 3, 10);
}

TEST(ChatResponse, StrayEventsAreIgnored) {
    ChatCompletionFormatter f(chat_options(true));
    EXPECT_EQ(f.on_token(token(5, "x")), "");
    EXPECT_EQ(f.on_finish(finish(7, core::FinishReason::STOP, 1, 1)), "");
    EXPECT_FALSE(f.on_finish(finish(0, core::FinishReason::STOP, 1, 1)).empty());
    EXPECT_EQ(f.on_token(token(0, "late")), "");
    EXPECT_EQ(f.on_finish(finish(0, core::FinishReason::STOP, 1, 1)), "");
}

TEST(ChatResponse, InvalidUtf8NeverBreaksTheJson) {
    ChatCompletionFormatter whole(chat_options(false));
    (void)whole.on_token(token(0, "ok \xff\xfe end"));
    (void)whole.on_finish(finish(0, core::FinishReason::STOP, 1, 1));
    const std::string content = json::parse(whole.body())["choices"][0]["message"]["content"];
    EXPECT_NE(content.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
    ChatCompletionFormatter streamed(chat_options(true));
    const std::vector<json> e = events(streamed.on_token(token(0, "\xc3")));
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[1]["choices"][0]["delta"]["content"], "\xef\xbf\xbd");
}

// ---- chat, streamed ----

void expect_chunk_envelope(const json& chunk, bool with_usage_null) {
    std::set<std::string> expected{"id", "object", "created", "model", "choices"};
    if (with_usage_null) {
        expected.insert("usage");
        EXPECT_TRUE(chunk["usage"].is_null());
    }
    if (chunk.contains("timings")) {
        expected.insert("timings");
    }
    EXPECT_EQ(keys(chunk), expected);
    EXPECT_EQ(chunk["id"], "chatcmpl-test");
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["created"], CREATED);
    EXPECT_EQ(chunk["model"], "qwen");
}

TEST(ChatStream, RoleChunkThenContentThenFinishThenDone) {
    ChatCompletionFormatter f(chat_options(true));
    std::vector<json> e = events(f.on_token(token(0, "Hi")));
    ASSERT_EQ(e.size(), 2u);
    expect_chunk_envelope(e[0], false);
    EXPECT_EQ(e[0]["choices"], json::parse(R"([{"index":0,"delta":{"role":"assistant","content":""},
                                                "logprobs":null,"finish_reason":null}])"));
    expect_chunk_envelope(e[1], false);
    EXPECT_EQ(e[1]["choices"],
              json::parse(R"([{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}])"));
    EXPECT_EQ(f.on_token(token(0, "")), "");  // held-back text: nothing to send
    e = events(f.on_token(token(0, " there")));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0]["choices"][0]["delta"], json({{"content", " there"}}));
    e = events(f.on_finish(finish(0, core::FinishReason::LENGTH, 8, 3)));
    ASSERT_EQ(e.size(), 1u);
    expect_chunk_envelope(e[0], false);
    EXPECT_EQ(e[0]["choices"], json::parse(R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}])"));
    expect_timings(e[0]["timings"], 8, 3, 0);
    EXPECT_TRUE(f.all_finished());
    EXPECT_EQ(f.stream_end(), "data: [DONE]\n\n");  // no usage chunk unless asked
}

TEST(ChatStream, IncludeUsageAddsNullUsageEverywhereAndAFinalUsageChunk) {
    ResponseOptions o = chat_options(true, 2);
    o.include_usage = true;
    ChatCompletionFormatter f(o);
    std::vector<json> all;
    for (const std::string& s : {f.on_token(token(0, "a")), f.on_token(token(1, "b")),
                                 f.on_finish(finish(1, core::FinishReason::STOP, 6, 1, 2)),
                                 f.on_finish(finish(0, core::FinishReason::STOP, 6, 1, 2))}) {
        for (json& e : events(s)) {
            all.push_back(std::move(e));
        }
    }
    ASSERT_EQ(all.size(), 6u);  // 2 role chunks, 2 content chunks, 2 finish chunks
    for (const json& chunk : all) {
        expect_chunk_envelope(chunk, true);
    }
    EXPECT_EQ(all[2]["choices"][0]["index"], 1);
    EXPECT_EQ(all[2]["choices"][0]["delta"]["role"], "assistant");
    const std::vector<json> end = events(f.stream_end());
    ASSERT_EQ(end.size(), 2u);
    EXPECT_EQ(keys(end[0]), (std::set<std::string>{"id", "object", "created", "model", "choices", "usage"}));
    EXPECT_EQ(end[0]["object"], "chat.completion.chunk");
    EXPECT_EQ(end[0]["choices"], json::array());
    expect_usage(end[0]["usage"], 6, 2, 2);
    EXPECT_EQ(end[1], "[DONE]");
}

TEST(ChatStream, FinishWithoutTokensStillOpensWithTheRole) {
    ChatCompletionFormatter f(chat_options(true));
    const std::vector<json> e = events(f.on_finish(finish(0, core::FinishReason::STOP, 4, 0)));
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0]["choices"][0]["delta"]["role"], "assistant");
    EXPECT_EQ(e[1]["choices"][0]["finish_reason"], "stop");
}

TEST(ChatStream, LogprobsTravelWithTheirChunk) {
    ResponseOptions o = chat_options(true);
    o.logprobs = true;
    ChatCompletionFormatter f(o);
    const std::vector<json> e = events(f.on_token(token(0, "A", {{1, "A", -0.25f}}, {{{1, "A", -0.25f}}})));
    ASSERT_EQ(e.size(), 2u);
    EXPECT_TRUE(e[0]["choices"][0]["logprobs"].is_null());
    EXPECT_EQ(e[1]["choices"][0]["logprobs"], json::parse(R"({"content":[{"token":"A","logprob":-0.25,"bytes":[65],
        "top_logprobs":[{"token":"A","logprob":-0.25,"bytes":[65]}]}],"refusal":null})"));
    // Logprobs of a token whose text is held back still go out, with empty content.
    const std::vector<json> held = events(f.on_token(token(0, "", {{2, "<", -1.0f}}, {{}})));
    ASSERT_EQ(held.size(), 1u);
    EXPECT_EQ(held[0]["choices"][0]["delta"]["content"], "");
    EXPECT_EQ(held[0]["choices"][0]["logprobs"]["content"][0]["token"], "<");
}

// ---- text completions ----

TEST(TextResponse, NonStreamingShape) {
    TextCompletionFormatter f(text_options(false));
    (void)f.on_token(token(0, " upon"));
    (void)f.on_token(token(0, " a time"));
    (void)f.on_finish(finish(0, core::FinishReason::LENGTH, 2, 3));
    const json body = json::parse(f.body());
    EXPECT_EQ(keys(body), (std::set<std::string>{"id", "object", "created", "model", "choices", "usage", "timings"}));
    EXPECT_EQ(body["id"], "cmpl-test");
    EXPECT_EQ(body["object"], "text_completion");
    EXPECT_EQ(body["created"], CREATED);
    EXPECT_EQ(body["model"], "qwen");
    EXPECT_EQ(body["choices"], json::parse(R"([{"index":0,"text":" upon a time","logprobs":null,
                                               "finish_reason":"length"}])"));
    expect_usage(body["usage"], 2, 3, 0);
    expect_timings(body["timings"], 2, 3, 0);
}

TEST(TextResponse, EchoAndLogprobsWithTextOffsets) {
    ResponseOptions o = text_options(false);
    o.echo = true;
    o.prompt_text = "h\xc3\xa9llo";  // 5 characters, 6 bytes
    o.logprobs = true;
    TextCompletionFormatter f(o);
    (void)f.on_token(
        token(0, " w\xc3\xb6", {{1, " w\xc3\xb6", -0.5f}}, {{{1, " w\xc3\xb6", -0.5f}, {2, " x", -1.5f}}}));
    (void)f.on_token(token(0, "rld", {{3, "rld", -0.75f}}, {{{3, "rld", -0.75f}}}));
    (void)f.on_finish(finish(0, core::FinishReason::STOP, 3, 2));
    const json choice = json::parse(f.body())["choices"][0];
    EXPECT_EQ(choice["text"], "h\xc3\xa9llo w\xc3\xb6rld");
    EXPECT_EQ(choice["logprobs"], json::parse(R"({"tokens":[" wö","rld"],"token_logprobs":[-0.5,-0.75],
        "top_logprobs":[{" wö":-0.5," x":-1.5},{"rld":-0.75}],"text_offset":[5,8]})"));
}

TEST(TextResponse, TextOffsetCountsFromThePromptEvenWithoutEcho) {
    ResponseOptions o = text_options(false);
    o.prompt_text = "abc";
    o.logprobs = true;
    TextCompletionFormatter f(o);
    (void)f.on_token(token(0, "d", {{4, "d", -1.0f}}, {{}}));
    (void)f.on_finish(finish(0, core::FinishReason::STOP, 1, 1));
    const json choice = json::parse(f.body())["choices"][0];
    EXPECT_EQ(choice["text"], "d");
    EXPECT_EQ(choice["logprobs"]["text_offset"], json({3}));
    EXPECT_EQ(choice["logprobs"]["top_logprobs"], json::array({json::object()}));
}

TEST(TextStream, ChunksEchoLogprobsAndUsage) {
    ResponseOptions o = text_options(true);
    o.echo = true;
    o.prompt_text = "ab";
    o.logprobs = true;
    o.include_usage = true;
    TextCompletionFormatter f(o);
    std::vector<json> e = events(f.on_token(token(0, "c", {{3, "c", -0.5f}}, {{}})));
    ASSERT_EQ(e.size(), 2u);
    for (const json& chunk : e) {
        EXPECT_EQ(keys(chunk), (std::set<std::string>{"id", "object", "created", "model", "choices", "usage"}));
        EXPECT_EQ(chunk["object"], "text_completion");
        EXPECT_EQ(chunk["id"], "cmpl-test");
        EXPECT_TRUE(chunk["usage"].is_null());
    }
    EXPECT_EQ(e[0]["choices"], json::parse(R"([{"index":0,"text":"ab","logprobs":null,"finish_reason":null}])"));
    EXPECT_EQ(e[1]["choices"][0]["text"], "c");
    EXPECT_EQ(e[1]["choices"][0]["logprobs"]["text_offset"], json({2}));
    e = events(f.on_token(token(0, "de", {{4, "de", -0.5f}}, {{}})));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0]["choices"][0]["logprobs"]["text_offset"], json({3}));  // continues across chunks
    e = events(f.on_finish(finish(0, core::FinishReason::STOP, 2, 2)));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0]["choices"], json::parse(R"([{"index":0,"text":"","logprobs":null,"finish_reason":"stop"}])"));
    EXPECT_TRUE(e[0].contains("timings"));
    e = events(f.stream_end());
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0]["object"], "text_completion");
    EXPECT_EQ(e[0]["choices"], json::array());
    expect_usage(e[0]["usage"], 2, 2, 0);
    EXPECT_EQ(e[1], "[DONE]");
}

TEST(TextStream, WithoutEchoTheFirstChunkIsText) {
    TextCompletionFormatter f(text_options(true));
    const std::vector<json> e = events(f.on_token(token(0, "x")));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0]["choices"], json::parse(R"([{"index":0,"text":"x","logprobs":null,"finish_reason":null}])"));
    EXPECT_FALSE(e[0].contains("usage"));
    EXPECT_EQ(f.stream_end(), "data: [DONE]\n\n");
}

// ---- ids and options ----

TEST(ResponseOptions, IdsAreUniqueAndPrefixed) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string id = new_response_id("chatcmpl");
        ASSERT_EQ(id.rfind("chatcmpl-", 0), 0u);
        ASSERT_EQ(id.size(), 9u + 24u);
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 100u);
    EXPECT_EQ(new_response_id("cmpl").rfind("cmpl-", 0), 0u);
}

TEST(ResponseOptions, MadeFromTheResolvedRequest) {
    GenerationOptions g;
    g.model = "m";
    g.n = 3;
    g.stream = true;
    g.include_usage = true;
    g.logprobs = true;
    const int64_t before = unix_time_now();
    const ResponseOptions o = make_response_options(g, "chatcmpl");
    EXPECT_EQ(o.id.rfind("chatcmpl-", 0), 0u);
    EXPECT_GE(o.created, before);
    EXPECT_GT(o.created, 1'600'000'000);
    EXPECT_EQ(o.model, "m");
    EXPECT_EQ(o.n, 3u);
    EXPECT_TRUE(o.stream);
    EXPECT_TRUE(o.include_usage);
    EXPECT_TRUE(o.logprobs);
    EXPECT_FALSE(o.echo);
}

}  // namespace
}  // namespace hearth::api
