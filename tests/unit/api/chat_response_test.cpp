// Chat responses read through an output parser: reasoning_content, tool_calls and their streamed deltas,
// finish_reason "tool_calls", and stream == whole.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "api/completions_response.h"
#include "api/scripted_parser.h"

namespace hearth::api {
namespace {

using nlohmann::json;

std::unique_ptr<core::ChatOutputParser> tool_script() {
    return std::make_unique<ScriptedParser>(
        std::deque<std::vector<core::ChatDelta>>{{reasoning("think")},
                                                 {},
                                                 {content("Let me check."), call(0, "call_a", "get_weather", "{\"ci")},
                                                 {arguments(0, "ty\":\"Oslo\"}")}},
        std::vector<core::ChatDelta>{call(1, "call_b", "now", "{}")});
}

ChatCompletionFormatter formatter(bool stream, std::unique_ptr<core::ChatOutputParser> parser) {
    ResponseOptions o;
    o.id = "chatcmpl-test";
    o.created = 1;
    o.model = "qwen";
    o.stream = stream;
    std::vector<std::unique_ptr<core::ChatOutputParser>> parsers;
    parsers.push_back(std::move(parser));
    return ChatCompletionFormatter(std::move(o), std::move(parsers));
}

core::FinishEvent finished(core::FinishReason reason) {
    core::FinishEvent e;
    e.reason = reason;
    e.usage = {3, 4, 0};
    return e;
}

std::string run(ChatCompletionFormatter& f, core::FinishReason reason) {
    std::string out;
    for (int i = 0; i < 4; ++i) {
        core::TokenEvent t;
        t.text = "x";
        out += f.on_token(t);
    }
    out += f.on_finish(finished(reason));
    return out;
}

std::vector<json> chunks(const std::string& sse) {
    std::vector<json> out;
    size_t pos = 0;
    while ((pos = sse.find("data: ", pos)) != std::string::npos) {
        const size_t end = sse.find("\n\n", pos);
        const std::string payload = sse.substr(pos + 6, end - pos - 6);
        if (payload != "[DONE]") {
            out.push_back(json::parse(payload));
        }
        pos = end;
    }
    return out;
}

TEST(ChatParsedResponse, WholeMessageCarriesReasoningAndToolCalls) {
    ChatCompletionFormatter f = formatter(false, tool_script());
    EXPECT_EQ(run(f, core::FinishReason::STOP), "");
    ASSERT_TRUE(f.all_finished());
    const json body = json::parse(f.body());
    const json& choice = body["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls");
    const json& message = choice["message"];
    EXPECT_EQ(message["content"], "Let me check.");
    EXPECT_EQ(message["reasoning_content"], "think");
    ASSERT_EQ(message["tool_calls"].size(), 2u);
    EXPECT_EQ(message["tool_calls"][0], json::parse(R"({"id":"call_a","type":"function",
                              "function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}})"));
    EXPECT_EQ(message["tool_calls"][1]["function"]["arguments"], "{}");
}

TEST(ChatParsedResponse, ContentIsNullBesideToolCallsAndLengthStaysLength) {
    auto script = std::make_unique<ScriptedParser>(std::deque<std::vector<core::ChatDelta>>{},
                                                   std::vector<core::ChatDelta>{call(0, "call_a", "f", "{\"a\":")});
    ChatCompletionFormatter f = formatter(false, std::move(script));
    run(f, core::FinishReason::LENGTH);
    const json message = json::parse(f.body())["choices"][0]["message"];
    EXPECT_TRUE(message["content"].is_null());
    EXPECT_FALSE(message.contains("reasoning_content"));
    // Cut short inside a call: honest about it.
    EXPECT_EQ(json::parse(f.body())["choices"][0]["finish_reason"], "length");
}

TEST(ChatParsedResponse, StreamSendsEachCallHeaderOnceThenArgumentFragments) {
    ChatCompletionFormatter f = formatter(true, tool_script());
    const std::vector<json> all = chunks(run(f, core::FinishReason::STOP));
    std::vector<json> deltas;
    for (const json& c : all) {
        deltas.push_back(c["choices"][0]["delta"]);
    }
    ASSERT_EQ(deltas.size(), 7u);
    EXPECT_EQ(deltas[0], json::parse(R"({"role":"assistant","content":""})"));
    EXPECT_EQ(deltas[1], json::parse(R"({"reasoning_content":"think"})"));
    EXPECT_EQ(deltas[2], json::parse(R"({"content":"Let me check."})"));
    EXPECT_EQ(deltas[3], json::parse(R"({"tool_calls":[{"index":0,"id":"call_a","type":"function",
                                         "function":{"name":"get_weather","arguments":"{\"ci"}}]})"));
    EXPECT_EQ(deltas[4], json::parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]})"));
    EXPECT_EQ(deltas[5]["tool_calls"][0]["id"], "call_b");
    EXPECT_EQ(deltas[6], json::object());
    EXPECT_EQ(all.back()["choices"][0]["finish_reason"], "tool_calls");
}

TEST(ChatParsedResponse, StreamedDeltasReassembleIntoTheWholeMessage) {
    ChatCompletionFormatter whole = formatter(false, tool_script());
    run(whole, core::FinishReason::STOP);
    const json expected = json::parse(whole.body())["choices"][0]["message"];

    ChatCompletionFormatter stream = formatter(true, tool_script());
    json message = {{"role", "assistant"}, {"content", ""}};
    std::string reasoning_text;
    json calls = json::array();
    for (const json& c : chunks(run(stream, core::FinishReason::STOP))) {
        const json& d = c["choices"][0]["delta"];
        message["content"] = message["content"].get<std::string>() + d.value("content", "");
        reasoning_text += d.value("reasoning_content", "");
        for (const json& t : d.value("tool_calls", json::array())) {
            const size_t i = t["index"];
            if (i == calls.size()) {
                calls.push_back({{"id", t["id"]}, {"type", t["type"]}, {"function", t["function"]}});
            } else {
                calls[i]["function"]["arguments"] = calls[i]["function"]["arguments"].get<std::string>() +
                                                    t["function"]["arguments"].get<std::string>();
            }
        }
    }
    EXPECT_EQ(message["content"], expected["content"]);
    EXPECT_EQ(reasoning_text, expected["reasoning_content"]);
    EXPECT_EQ(calls, expected["tool_calls"]);
}

TEST(ChatParsedResponse, PlainContentStaysAsBefore) {
    auto script = std::make_unique<ScriptedParser>(
        std::deque<std::vector<core::ChatDelta>>{{content("Hel")}, {content("lo")}}, std::vector<core::ChatDelta>{});
    ChatCompletionFormatter f = formatter(false, std::move(script));
    run(f, core::FinishReason::STOP);
    const json choice = json::parse(f.body())["choices"][0];
    EXPECT_EQ(choice["message"], json::parse(R"({"role":"assistant","content":"Hello","refusal":null})"));
    EXPECT_EQ(choice["finish_reason"], "stop");
}

}  // namespace
}  // namespace hearth::api
