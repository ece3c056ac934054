#include "api/completions_request.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "api/json_body.h"

namespace hearth::api {
namespace {

const std::string MIN_CHAT = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";

ChatParams chat_ok(const std::string& body, const RequestLimits& limits = {}) {
    Result<ChatParams> params = chat_params_from_body(body, limits);
    EXPECT_TRUE(params.has_value()) << body << " -> " << (params ? "" : params.error().message);
    return params ? *params : ChatParams{};
}

CompletionParams completion_ok(const std::string& body) {
    Result<CompletionParams> params = completion_params_from_body(body);
    EXPECT_TRUE(params.has_value()) << body << " -> " << (params ? "" : params.error().message);
    return params ? *params : CompletionParams{};
}

// A chat body: the minimal one with `extra` fields appended.
std::string chat_with(const std::string& extra) {
    return R"({"model":"m","messages":[{"role":"user","content":"hi"}],)" + extra + "}";
}

TEST(ChatRequest, MinimalBodyGetsOpenAiDefaults) {
    const ChatParams p = chat_ok(MIN_CHAT);
    ASSERT_EQ(p.messages.size(), 1u);
    EXPECT_EQ(p.messages[0].role, "user");
    EXPECT_EQ(p.messages[0].content, "hi");
    const GenerationOptions& o = p.options;
    EXPECT_EQ(o.model, "m");
    EXPECT_FLOAT_EQ(o.sampling.temperature, 1.0f);
    EXPECT_FLOAT_EQ(o.sampling.top_p, 1.0f);
    EXPECT_EQ(o.sampling.top_k, 0);
    EXPECT_FLOAT_EQ(o.sampling.min_p, 0.0f);
    EXPECT_FALSE(o.sampling.seed.has_value());
    EXPECT_FLOAT_EQ(o.sampling.presence_penalty, 0.0f);
    EXPECT_FLOAT_EQ(o.sampling.frequency_penalty, 0.0f);
    EXPECT_FLOAT_EQ(o.sampling.repeat_penalty, 1.0f);
    EXPECT_TRUE(o.sampling.logit_bias.empty());
    EXPECT_FALSE(o.sampling.ignore_eos);
    EXPECT_FALSE(o.max_tokens.has_value());  // chat: until the context is full
    EXPECT_TRUE(o.stop.empty());
    EXPECT_FALSE(o.logprobs);
    EXPECT_EQ(o.top_logprobs, 0);
    EXPECT_EQ(o.n, 1u);
    EXPECT_FALSE(o.stream);
    EXPECT_FALSE(o.include_usage);
    EXPECT_TRUE(o.cache_prompt);
    EXPECT_TRUE(p.chat_template_kwargs.empty());
}

TEST(ChatRequest, EveryFieldIsCarriedOver) {
    const ChatParams p = chat_ok(chat_with(R"(
        "max_tokens": 50, "max_completion_tokens": 100, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
        "min_p": 0.05, "seed": 42, "stop": ["</s>", "\n\n"], "presence_penalty": 0.5, "frequency_penalty": -0.5,
        "repeat_penalty": 1.1, "logit_bias": {"15": -100, "7": 2.5}, "n": 3, "stream": true,
        "stream_options": {"include_usage": true}, "ignore_eos": true, "user": "u1", "logprobs": true,
        "top_logprobs": 5, "cache_prompt": false)"));
    const GenerationOptions& o = p.options;
    EXPECT_EQ(o.max_tokens, 100);  // max_completion_tokens wins over max_tokens
    EXPECT_FLOAT_EQ(o.sampling.temperature, 0.5f);
    EXPECT_FLOAT_EQ(o.sampling.top_p, 0.9f);
    EXPECT_EQ(o.sampling.top_k, 40);
    EXPECT_FLOAT_EQ(o.sampling.min_p, 0.05f);
    EXPECT_EQ(o.sampling.seed, 42u);
    EXPECT_EQ(o.stop, (std::vector<std::string>{"</s>", "\n\n"}));
    EXPECT_FLOAT_EQ(o.sampling.presence_penalty, 0.5f);
    EXPECT_FLOAT_EQ(o.sampling.frequency_penalty, -0.5f);
    EXPECT_FLOAT_EQ(o.sampling.repeat_penalty, 1.1f);
    ASSERT_EQ(o.sampling.logit_bias.size(), 2u);
    EXPECT_EQ(o.sampling.logit_bias[0], (std::pair<int32_t, float>{15, -100.0f}));
    EXPECT_EQ(o.sampling.logit_bias[1], (std::pair<int32_t, float>{7, 2.5f}));
    EXPECT_EQ(o.n, 3u);
    EXPECT_TRUE(o.stream);
    EXPECT_TRUE(o.include_usage);
    EXPECT_TRUE(o.sampling.ignore_eos);
    EXPECT_TRUE(o.logprobs);
    EXPECT_EQ(o.top_logprobs, 5);
    EXPECT_FALSE(o.cache_prompt);
}

TEST(ChatRequest, MaxTokensAloneAndItsForms) {
    EXPECT_EQ(chat_ok(chat_with(R"("max_tokens": 7)")).options.max_tokens, 7);
    EXPECT_EQ(chat_ok(chat_with(R"("max_tokens": 7.0)")).options.max_tokens, 7);  // integral float
    EXPECT_EQ(chat_ok(chat_with(R"("max_completion_tokens": 1e12)")).options.max_tokens,
              std::numeric_limits<int32_t>::max());  // bounded by the context later anyway
}

TEST(ChatRequest, StopAsOneString) {
    EXPECT_EQ(chat_ok(chat_with(R"("stop": "END")")).options.stop, std::vector<std::string>{"END"});
}

TEST(ChatRequest, SeedForms) {
    EXPECT_FALSE(chat_ok(chat_with(R"("seed": -1)")).options.sampling.seed.has_value());
    EXPECT_EQ(chat_ok(chat_with(R"("seed": 0)")).options.sampling.seed, 0u);
    // 64-bit seeds fold into 32 bits, deterministically.
    const auto big = chat_ok(chat_with(R"("seed": 1099511627777)")).options.sampling.seed;
    ASSERT_TRUE(big.has_value());
    EXPECT_EQ(*big, 1u ^ 256u);
    EXPECT_EQ(chat_ok(chat_with(R"("seed": 1099511627777)")).options.sampling.seed, big);
}

TEST(ChatRequest, NullMeansNotSet) {
    const ChatParams p = chat_ok(chat_with(
        R"("temperature": null, "stop": null, "n": null, "logit_bias": null, "stream_options": null,
           "max_tokens": null, "seed": null, "logprobs": null, "top_logprobs": null, "tools": null)"));
    EXPECT_FLOAT_EQ(p.options.sampling.temperature, 1.0f);
    EXPECT_TRUE(p.options.stop.empty());
    EXPECT_EQ(p.options.n, 1u);
    EXPECT_FALSE(p.options.max_tokens.has_value());
}

TEST(ChatRequest, UnknownFieldsAreIgnored) {
    const ChatParams p = chat_ok(chat_with(
        R"("metadata": {"a": "b"}, "store": false, "service_tier": "auto", "parallel_tool_calls": true,
           "tools": [], "response_format": {"type": "text"}, "x_future_field": [1, {"y": null}])"));
    EXPECT_EQ(p.options.model, "m");
}

TEST(ChatRequest, IncludeUsageNeedsStream) {
    EXPECT_FALSE(chat_ok(chat_with(R"("stream_options": {"include_usage": true})")).options.include_usage);
    EXPECT_FALSE(
        chat_ok(chat_with(R"("stream": true, "stream_options": {"include_usage": false})")).options.include_usage);
}

TEST(ChatRequest, TopLogprobsZeroNeedsNoLogprobs) {
    EXPECT_EQ(chat_ok(chat_with(R"("top_logprobs": 0)")).options.top_logprobs, 0);
}

TEST(ChatRequest, RolesNamesAndToolMessages) {
    const ChatParams p = chat_ok(R"({"model": "m", "messages": [
        {"role": "system", "content": "s"}, {"role": "developer", "content": "d"},
        {"role": "user", "content": "u", "name": "ann"}, {"role": "assistant", "content": null, "tool_calls": []},
        {"role": "tool", "content": "42", "tool_call_id": "call_1"}, {"role": "assistant"}]})");
    ASSERT_EQ(p.messages.size(), 6u);
    EXPECT_EQ(p.messages[0].role, "system");
    EXPECT_EQ(p.messages[1].role, "developer");
    EXPECT_EQ(p.messages[2].name, "ann");
    EXPECT_EQ(p.messages[3].role, "assistant");
    EXPECT_EQ(p.messages[3].content, "");
    EXPECT_EQ(p.messages[4].role, "tool");
    EXPECT_EQ(p.messages[4].tool_call_id, "call_1");
    EXPECT_EQ(p.messages[4].content, "42");
    EXPECT_EQ(p.messages[5].content, "");
}

// Joined with a newline, as llama-server joins them (the same parts, the same prompt).
TEST(ChatRequest, TextContentPartsAreJoinedByNewlines) {
    const ChatParams p = chat_ok(R"({"model": "m", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}]},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]},
        {"role": "user", "content": []}]})");
    EXPECT_EQ(p.messages[0].content, "Hello, \nworld");
    EXPECT_EQ(p.messages[1].content, "no");
    EXPECT_EQ(p.messages[2].content, "");
}

TEST(ChatRequest, ChatTemplateKwargsAreJsonEncoded) {
    const ChatParams p = chat_ok(
        chat_with(R"("chat_template_kwargs": {"enable_thinking": false, "effort": "high", "o": {"a": [1, 2]}})"));
    ASSERT_EQ(p.chat_template_kwargs.size(), 3u);
    EXPECT_EQ(p.chat_template_kwargs.at("enable_thinking"), "false");
    EXPECT_EQ(p.chat_template_kwargs.at("effort"), "\"high\"");
    EXPECT_EQ(p.chat_template_kwargs.at("o"), R"({"a":[1,2]})");
}

TEST(ChatRequest, LogitBiasBounds) {
    const ChatParams p = chat_ok(chat_with(R"("logit_bias": {"0": -100, "2147483647": 100, "9": 0.25})"));
    ASSERT_EQ(p.options.sampling.logit_bias.size(), 3u);
    EXPECT_EQ(p.options.sampling.logit_bias[0].first, 0);
    EXPECT_EQ(p.options.sampling.logit_bias[1].first, 2147483647);
    EXPECT_FLOAT_EQ(p.options.sampling.logit_bias[2].second, 0.25f);
}

TEST(ChatRequest, ServerLimitOnN) {
    EXPECT_EQ(chat_ok(chat_with(R"("n": 8)")).options.n, 8u);
    Result<ChatParams> over = chat_params_from_body(chat_with(R"("n": 3)"), RequestLimits{2});
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().param, "n");
    EXPECT_NE(over.error().message.find("between 1 and 2"), std::string::npos);
}

struct BadCase {
    const char* body;
    ErrorCode code;
    const char* param;
};

void expect_chat_error(const BadCase& c) {
    Result<ChatParams> r = chat_params_from_body(c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().code, c.code) << c.body << " -> " << r.error().message;
    EXPECT_EQ(r.error().param, c.param) << c.body << " -> " << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
}

constexpr ErrorCode INVALID = ErrorCode::INVALID_ARGUMENT;
constexpr ErrorCode UNSUPPORTED = ErrorCode::UNSUPPORTED;

TEST(ChatRequest, ShapeErrorsNameTheField) {
    const BadCase cases[] = {
        {R"({"messages":[{"role":"user","content":"hi"}]})", INVALID, "model"},
        {R"({"model":5,"messages":[{"role":"user","content":"hi"}]})", INVALID, "model"},
        {R"({"model":"","messages":[{"role":"user","content":"hi"}]})", INVALID, "model"},
        {R"({"model":"m"})", INVALID, "messages"},
        {R"({"model":"m","messages":{}})", INVALID, "messages"},
        {R"({"model":"m","messages":[]})", INVALID, "messages"},
        {R"({"model":"m","messages":["hi"]})", INVALID, "messages[0]"},
        {R"({"model":"m","messages":[{"content":"hi"}]})", INVALID, "messages[0].role"},
        {R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]})", INVALID,
         "messages[1].role"},
        {R"({"model":"m","messages":[{"role":"function","content":"x"}]})", INVALID, "messages[0].role"},
        {R"({"model":"m","messages":[{"role":7,"content":"x"}]})", INVALID, "messages[0].role"},
        {R"({"model":"m","messages":[{"role":"user"}]})", INVALID, "messages[0].content"},
        {R"({"model":"m","messages":[{"role":"user","content":5}]})", INVALID, "messages[0].content"},
        {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})", INVALID,
         "messages[0].content[0].text"},
        {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":1}]}]})", INVALID,
         "messages[0].content[0].text"},
        {R"({"model":"m","messages":[{"role":"user","content":[{"type":"video","text":"x"}]}]})", INVALID,
         "messages[0].content[0].type"},
        {R"({"model":"m","messages":[{"role":"user","content":["x"]}]})", INVALID, "messages[0].content[0]"},
        {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},
            {"type":"file","file":{"file_id":"f"}}]}]})",
         UNSUPPORTED, "messages[0].content[1]"},
        {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},
            {"type":"image_url","image_url":{"url":"mailto:x"}}]}]})",
         INVALID, "messages[0].content[1].image_url.url"},
        {R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio"}]}]})", UNSUPPORTED,
         "messages[0].content[0]"},
        {R"({"model":"m","messages":[{"role":"user","content":"x","name":3}]})", INVALID, "messages[0].name"},
    };
    for (const BadCase& c : cases) {
        expect_chat_error(c);
    }
}

TEST(ChatRequest, TypeAndRangeErrorsNameTheField) {
    const BadCase cases[] = {
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"})", INVALID, "temperature"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":2.5})", INVALID, "temperature"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":-0.1})", INVALID, "temperature"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":0})", INVALID, "top_p"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":1.01})", INVALID, "top_p"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"top_k":-1})", INVALID, "top_k"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"top_k":2.5})", INVALID, "top_k"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"min_p":1.5})", INVALID, "min_p"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"presence_penalty":2.1})", INVALID,
         "presence_penalty"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"frequency_penalty":-3})", INVALID,
         "frequency_penalty"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"repeat_penalty":0})", INVALID, "repeat_penalty"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"seed":"x"})", INVALID, "seed"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"seed":1.5})", INVALID, "seed"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"seed":18446744073709551615})", INVALID, "seed"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"n":0})", INVALID, "n"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"cache_prompt":"no"})", INVALID, "cache_prompt"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"n":9})", INVALID, "n"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"n":"2"})", INVALID, "n"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":0})", INVALID, "max_tokens"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":"10"})", INVALID, "max_tokens"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":-5})", INVALID,
         "max_completion_tokens"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logprobs":"yes"})", INVALID, "logprobs"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logprobs":1})", INVALID, "logprobs"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"top_logprobs":3})", INVALID, "top_logprobs"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21})", INVALID,
         "top_logprobs"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"true"})", INVALID, "stream"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":5})", INVALID, "stream_options"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":"y"}})", INVALID,
         "stream_options.include_usage"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"ignore_eos":1})", INVALID, "ignore_eos"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"user":5})", INVALID, "user"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"chat_template_kwargs":[1]})", INVALID,
         "chat_template_kwargs"},
    };
    for (const BadCase& c : cases) {
        expect_chat_error(c);
    }
}

TEST(ChatRequest, StopAndLogitBiasErrors) {
    const BadCase cases[] = {
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":5})", INVALID, "stop"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]})", INVALID, "stop"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a",""]})", INVALID, "stop"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":""})", INVALID, "stop"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a",1]})", INVALID, "stop"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":[1]})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"abc":1}})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"12a":1}})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"-1":1}})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"1.5":1}})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"":1}})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"2147483648":1}})", INVALID,
         "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"5":101}})", INVALID, "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"5":-100.5}})", INVALID,
         "logit_bias"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"5":"x"}})", INVALID, "logit_bias"},
    };
    for (const BadCase& c : cases) {
        expect_chat_error(c);
    }
}

TEST(ChatRequest, FeaturesWeCannotHonourAreRefused) {
    const BadCase cases[] = {
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],
             "tools":[{"type":"custom","custom":{"name":"f"}}]})",
         UNSUPPORTED, "tools[0].type"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f"}]})", UNSUPPORTED,
         "functions"},
        {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"},
             "tools":[{"type":"function","function":{"name":"f"}}]})",
         UNSUPPORTED, "response_format"},
    };
    for (const BadCase& c : cases) {
        expect_chat_error(c);
    }
}

TEST(RequestBody, MalformedJsonReportsThePosition) {
    Result<ChatParams> r = chat_params_from_body(R"({"model": "m", "messages": [})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("not valid JSON"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("line 1, column 29"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("[json.exception"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().param, "messages[0]");
}

TEST(RequestBody, EmptyAndTruncatedBodies) {
    for (const char* body : {"", "   ", "{", R"({"model":)", "{\"model\":\"m\"} trailing", "nul"}) {
        Result<ChatParams> r = chat_params_from_body(body);
        ASSERT_FALSE(r) << body;
        EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT) << body;
    }
}

TEST(RequestBody, MustBeAnObject) {
    for (const char* body : {"[]", "42", "\"text\"", "null", "true"}) {
        Result<CompletionParams> r = completion_params_from_body(body);
        ASSERT_FALSE(r) << body;
        EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(r.error().message.find("must be a JSON object"), std::string::npos) << r.error().message;
        EXPECT_TRUE(r.error().param.empty());
    }
}

TEST(RequestBody, NumberBeyondDoubleIsAClientError) {
    Result<ChatParams> r = chat_params_from_body(chat_with(R"("temperature": 1e400)"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(r.error().param, "temperature");
}

std::string nested_arrays(int depth) {
    return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
}

TEST(RequestBody, NestingUpToTheLimitIsFine) {
    // The top-level object is level 1, so 63 arrays inside it reach exactly MAX_JSON_DEPTH.
    ASSERT_EQ(MAX_JSON_DEPTH, 64);
    EXPECT_TRUE(parse_json_object(R"({"x":)" + nested_arrays(63) + "}").has_value());
    chat_ok(chat_with(R"("extra": )" + nested_arrays(63)));
}

TEST(RequestBody, DeeperNestingIsRefused) {
    Result<nlohmann::json> r = parse_json_object(R"({"x":)" + nested_arrays(64) + "}");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("deeper than 64"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().param.rfind("x[0]", 0), 0u) << r.error().param;
    EXPECT_TRUE(parse_json_object(R"({"x":)" + nested_arrays(9) + "}", 10).has_value());
    EXPECT_FALSE(parse_json_object(R"({"x":)" + nested_arrays(10) + "}", 10).has_value());
}

TEST(RequestBody, HugeNestingNeitherCrashesNorBuilds) {
    // A million levels: refused at level 65, long before anything recursive could run out of stack.
    const std::string deep_array = nested_arrays(1'000'000);
    Result<ChatParams> r = chat_params_from_body(chat_with(R"("x": )" + deep_array));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("deeper"), std::string::npos);
    std::string deep_objects;
    for (int i = 0; i < 200'000; ++i) {
        deep_objects += R"({"a":)";
    }
    EXPECT_FALSE(parse_json_object(deep_objects).has_value());
    EXPECT_FALSE(parse_json_object(std::string(500'000, '[')).has_value());  // unterminated as well
}

TEST(RequestBody, InvalidUtf8NamesTheField) {
    struct Case {
        std::string body;
        std::string param;
    };
    const Case cases[] = {
        {"{\"model\":\"m\\u00e9\xff\",\"messages\":[]}", "model"},
        {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\xc3\"}]}", "messages[0].content"},
        {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":"
         "\"\xed\xa0\x80\"}]}",
         "messages[1].content"},  // an encoded surrogate is not UTF-8
        {R"({"model":"m","messages":[{"role":"user","content":"\ud800"}]})", "messages[0].content"},  // lone
        {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"a\",\"b\xfe\"]}",
         "stop[1]"},
        {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"\xff\":1}", ""},  // bad key
    };
    for (const Case& c : cases) {
        Result<ChatParams> r = chat_params_from_body(c.body);
        ASSERT_FALSE(r) << c.param;
        EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(r.error().param, c.param) << r.error().message;
    }
}

TEST(RequestBody, ValidMultibyteTextIsKept) {
    const ChatParams p = chat_ok(R"({"model":"m","messages":[{"role":"user","content":"h\u00e9 \ud83d\ude00 日本"}]})");
    EXPECT_EQ(p.messages[0].content, "h\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac");
}

// ---- /v1/completions ----

std::string completion_with(const std::string& prompt_and_more) {
    return R"({"model":"m",)" + prompt_and_more + "}";
}

TEST(CompletionRequest, StringPromptAndDefaults) {
    const CompletionParams p = completion_ok(completion_with(R"("prompt": "Once upon")"));
    EXPECT_EQ(std::get<std::string>(p.prompt), "Once upon");
    EXPECT_EQ(p.options.max_tokens, DEFAULT_COMPLETION_MAX_TOKENS);
    EXPECT_EQ(p.options.max_tokens, 16);
    EXPECT_FALSE(p.echo);
    EXPECT_FALSE(p.options.logprobs);
    EXPECT_EQ(p.options.n, 1u);
    EXPECT_EQ(p.options.model, "m");
}

TEST(CompletionRequest, PromptForms) {
    EXPECT_EQ(std::get<std::string>(completion_ok(completion_with(R"("prompt": ["one"])")).prompt), "one");
    EXPECT_EQ(std::get<std::vector<int32_t>>(completion_ok(completion_with(R"("prompt": [1, 2, 3])")).prompt),
              (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(std::get<std::vector<int32_t>>(completion_ok(completion_with(R"("prompt": [[7, 0, 9]])")).prompt),
              (std::vector<int32_t>{7, 0, 9}));
    EXPECT_EQ(std::get<std::vector<int32_t>>(completion_ok(completion_with(R"("prompt": [2147483647])")).prompt),
              (std::vector<int32_t>{2147483647}));
    EXPECT_TRUE(std::get<std::vector<int32_t>>(completion_ok(completion_with(R"("prompt": [])")).prompt).empty());
    EXPECT_EQ(std::get<std::string>(completion_ok(completion_with(R"("prompt": null)")).prompt), "");
    EXPECT_EQ(std::get<std::string>(completion_ok(completion_with(R"("prompt": "")")).prompt), "");
}

TEST(CompletionRequest, FieldsOfItsOwn) {
    const CompletionParams p = completion_ok(
        completion_with(R"("prompt": "x", "echo": true, "suffix": "", "max_tokens": 5, "n": 2, "best_of": 2)"));
    EXPECT_TRUE(p.echo);
    EXPECT_EQ(p.options.max_tokens, 5);
    EXPECT_EQ(p.options.n, 2u);
    const CompletionParams top = completion_ok(completion_with(R"("prompt": "x", "logprobs": 5, "suffix": null)"));
    EXPECT_TRUE(top.options.logprobs);
    EXPECT_EQ(top.options.top_logprobs, 5);
    const CompletionParams zero = completion_ok(completion_with(R"("prompt": "x", "logprobs": 0)"));
    EXPECT_TRUE(zero.options.logprobs);  // the chosen tokens' logprobs, no alternatives
    EXPECT_EQ(zero.options.top_logprobs, 0);
    const CompletionParams shared =
        completion_ok(completion_with(R"("prompt": "x", "temperature": 0, "stop": "\n", "stream": true,
                          "stream_options": {"include_usage": true}, "logit_bias": {"50256": -100})"));
    EXPECT_FLOAT_EQ(shared.options.sampling.temperature, 0.0f);
    EXPECT_EQ(shared.options.stop, std::vector<std::string>{"\n"});
    EXPECT_TRUE(shared.options.include_usage);
    EXPECT_EQ(shared.options.sampling.logit_bias.at(0).first, 50256);
}

void expect_completion_error(const BadCase& c) {
    Result<CompletionParams> r = completion_params_from_body(c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().code, c.code) << c.body << " -> " << r.error().message;
    EXPECT_EQ(r.error().param, c.param) << c.body << " -> " << r.error().message;
}

TEST(CompletionRequest, Errors) {
    const BadCase cases[] = {
        {R"({"model":"m"})", INVALID, "prompt"},
        {R"({"prompt":"x"})", INVALID, "model"},
        {R"({"model":"m","prompt":5})", INVALID, "prompt"},
        {R"({"model":"m","prompt":{"text":"x"}})", INVALID, "prompt"},
        {R"({"model":"m","prompt":["a","b"]})", UNSUPPORTED, "prompt"},
        {R"({"model":"m","prompt":[[1],[2]]})", UNSUPPORTED, "prompt"},
        {R"({"model":"m","prompt":[1,"a"]})", INVALID, "prompt"},
        {R"({"model":"m","prompt":["a",1]})", INVALID, "prompt"},
        {R"({"model":"m","prompt":[[1],2]})", INVALID, "prompt"},
        {R"({"model":"m","prompt":[1.5]})", INVALID, "prompt"},
        {R"({"model":"m","prompt":[true]})", INVALID, "prompt"},
        {R"({"model":"m","prompt":[3,-1]})", INVALID, "prompt[1]"},
        {R"({"model":"m","prompt":[2147483648]})", INVALID, "prompt[0]"},
        {R"({"model":"m","prompt":[[1,-2]]})", INVALID, "prompt[0][1]"},
        {R"({"model":"m","prompt":[["a"]]})", INVALID, "prompt[0]"},
        {R"({"model":"m","prompt":"x","suffix":"tail"})", UNSUPPORTED, "suffix"},
        {R"({"model":"m","prompt":"x","suffix":3})", INVALID, "suffix"},
        {R"({"model":"m","prompt":"x","echo":"yes"})", INVALID, "echo"},
        {R"({"model":"m","prompt":"x","logprobs":true})", INVALID, "logprobs"},
        {R"({"model":"m","prompt":"x","logprobs":21})", INVALID, "logprobs"},
        {R"({"model":"m","prompt":"x","logprobs":-1})", INVALID, "logprobs"},
        {R"({"model":"m","prompt":"x","echo":true,"logprobs":1})", UNSUPPORTED, "echo"},
        {R"({"model":"m","prompt":"x","best_of":3})", UNSUPPORTED, "best_of"},
        {R"({"model":"m","prompt":"x","best_of":1,"n":2})", INVALID, "best_of"},
        {R"({"model":"m","prompt":"x","max_tokens":0})", INVALID, "max_tokens"},
        {R"({"model":"m","prompt":"x","temperature":3})", INVALID, "temperature"},
        {R"({"model":"m","prompt":"x","n":100})", INVALID, "n"},
    };
    for (const BadCase& c : cases) {
        expect_completion_error(c);
    }
}

TEST(CompletionRequest, TypedStageKeepsWhatWasSent) {
    Result<CompletionRequest> r = parse_completion_request(completion_with(R"("prompt": "x", "top_k": 5)"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->common.top_k, 5);
    EXPECT_FALSE(r->common.temperature.has_value());
    EXPECT_FALSE(r->common.max_tokens.has_value());
    EXPECT_FALSE(r->echo.has_value());
    Result<ChatCompletionRequest> chat = parse_chat_completion_request(chat_with(R"("top_logprobs": 99)"));
    ASSERT_TRUE(chat);  // ranges are the second stage's business
    EXPECT_EQ(chat->top_logprobs, 99);
    EXPECT_FALSE(resolve_chat_params(*chat).has_value());
}

}  // namespace
}  // namespace hearth::api
