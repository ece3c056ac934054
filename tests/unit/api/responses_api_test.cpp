// Responses API bodies → the chat params they stand for (every validation error names the Responses field),
// and the response objects and semantic stream events the formatter makes of a generation.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/responses_request.h"
#include "api/responses_response.h"
#include "api/scripted_parser.h"

namespace hearth::api {
namespace {

using nlohmann::json;

Error error_of(const json& body) {
    auto out = responses_params_from_body(body.dump());
    EXPECT_FALSE(out.has_value()) << body.dump();
    return out.has_value() ? Error{} : out.error();
}

TEST(ResponsesRequest, StringInputAndFields) {
    auto request = parse_responses_request(
        R"({"model":"m","input":"hi","instructions":"be brief","max_output_tokens":9,"temperature":0.5,"top_p":0.9,"store":false,"stream":true,"previous_response_id":"resp_1","metadata":{"k":"v"}})");
    ASSERT_TRUE(request.has_value()) << request.error().message;
    EXPECT_FALSE(request->store);
    EXPECT_TRUE(request->stream);
    EXPECT_EQ(request->previous_response_id, "resp_1");
    EXPECT_EQ(json::parse(request->conversation.dump()), json::parse(R"([{"role":"user","content":"hi"}])"));
    EXPECT_EQ(request->echo["instructions"], "be brief");
    EXPECT_EQ(request->echo["metadata"]["k"], "v");
    auto params =
        responses_chat_params(*request, R"([{"role":"user","content":"earlier"},{"role":"assistant","content":"ok"}])");
    ASSERT_TRUE(params.has_value()) << params.error().message;
    ASSERT_EQ(params->messages.size(), 4u);
    EXPECT_EQ(params->messages[0].role, "system");
    EXPECT_EQ(params->messages[0].content, "be brief");
    EXPECT_EQ(params->messages[1].content, "earlier");
    EXPECT_EQ(params->messages[2].role, "assistant");
    EXPECT_EQ(params->messages[3].content, "hi");
    EXPECT_EQ(params->options.max_tokens, 9);
    EXPECT_TRUE(params->options.stream);
    EXPECT_EQ(json::parse(conversation_with("[{\"role\":\"user\",\"content\":\"x\"}]", *request).dump()).size(), 2u);
}

TEST(ResponsesRequest, ItemsCallsOutputsToolsAndFormat) {
    const std::string body = R"({"model":"m","input":[
        {"role":"user","content":[{"type":"input_text","text":"look "},{"type":"input_image","image_url":"https://x/y.png"}]},
        {"type":"function_call","call_id":"c1","name":"f","arguments":"{\"a\":1}"},
        {"type":"function_call","call_id":"c2","name":"g","arguments":"{}"},
        {"type":"function_call_output","call_id":"c1","output":"one"},
        {"type":"reasoning","summary":[]},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]}],
      "tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"z":{},"a":{}}}},{"type":"function","name":"g"}],
      "tool_choice":{"type":"function","name":"f"},"parallel_tool_calls":false})";
    auto params = responses_params_from_body(body);
    ASSERT_TRUE(params.has_value()) << params.error().message;
    const auto& m = params->messages;
    ASSERT_EQ(m.size(), 4u);
    EXPECT_EQ(m[0].content, "look ");
    ASSERT_EQ(m[0].media.size(), 1u);
    EXPECT_EQ(m[0].media[0].data, "https://x/y.png");
    EXPECT_EQ(m[1].role, "assistant");
    ASSERT_EQ(m[1].tool_calls.size(), 2u);
    EXPECT_EQ(m[1].tool_calls[0], (core::ToolCall{"c1", "f", "{\"a\":1}"}));
    EXPECT_EQ(m[1].tool_calls[1].name, "g");
    EXPECT_EQ(m[2].role, "tool");
    EXPECT_EQ(m[2].tool_call_id, "c1");
    EXPECT_EQ(m[2].name, "f");
    EXPECT_EQ(m[2].content, "one");
    EXPECT_EQ(m[3].content, "done");
    EXPECT_EQ(params->tool_fields.tools[0].parameters, R"({"type":"object","properties":{"z":{},"a":{}}})");
    EXPECT_EQ(params->tool_fields.tool_choice->mode, ToolChoiceMode::FUNCTION);
    EXPECT_EQ(params->tool_fields.parallel_tool_calls, false);

    auto formatted = responses_params_from_body(
        R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"p","schema":{"type":"object","properties":{"b":{},"a":{}}},"strict":true}}})");
    ASSERT_TRUE(formatted.has_value()) << formatted.error().message;
    EXPECT_EQ(formatted->tool_fields.response_format.type, ResponseFormatType::JSON_SCHEMA);
    EXPECT_EQ(formatted->tool_fields.response_format.schema, R"({"type":"object","properties":{"b":{},"a":{}}})");
}

TEST(ResponsesRequest, EveryMistakeNamesItsField) {
    const json base = {{"model", "m"}, {"input", "hi"}};
    const auto with = [&](json extra) {
        json out = base;
        out.update(extra);
        return out;
    };
    const std::vector<std::pair<json, std::string>> cases = {
        {{{"model", "m"}}, "input"},
        {with({{"input", 5}}), "input"},
        {with({{"input", {5}}}), "input[0]"},
        {with({{"input", {{{"type", 7}}}}}), "input[0].type"},
        {with({{"input", {{{"type", "web_search_call"}}}}}), "input[0].type"},
        {with({{"input", {{{"content", "x"}}}}}), "input[0].role"},
        {with({{"input", {{{"role", "robot"}, {"content", "x"}}}}}), "input[0].role"},
        {with({{"input", {{{"role", "user"}}}}}), "input[0].content"},
        {with({{"input", {{{"role", "user"}, {"content", 5}}}}}), "input[0].content"},
        {with({{"input", {{{"role", "user"}, {"content", {{{"type", "input_file"}}}}}}}}), "input[0].content[0].type"},
        {with({{"input", {{{"role", "user"}, {"content", {{{"type", "input_text"}}}}}}}}), "input[0].content[0].text"},
        {with({{"input", {{{"role", "user"}, {"content", {{{"type", "input_image"}}}}}}}}),
         "input[0].content[0].image_url"},
        {with({{"input", {{{"type", "function_call"}, {"name", "f"}, {"arguments", "{}"}}}}}), "input[0].call_id"},
        {with({{"input", {{{"type", "function_call"}, {"call_id", "c"}, {"arguments", "{}"}}}}}), "input[0].name"},
        {with({{"input", {{{"type", "function_call"}, {"call_id", "c"}, {"name", "f"}}}}}), "input[0].arguments"},
        {with({{"input", {{{"type", "function_call_output"}, {"call_id", "c"}}}}}), "input[0].output"},
        {with({{"instructions", 5}}), "instructions"},
        {with({{"store", "yes"}}), "store"},
        {with({{"stream", 1}}), "stream"},
        {with({{"previous_response_id", 5}}), "previous_response_id"},
        {with({{"tools", "x"}}), "tools"},
        {with({{"tools", {5}}}), "tools[0]"},
        {with({{"tools", {{{"name", "f"}}}}}), "tools[0].type"},
        {with({{"tools", {{{"type", "file_search"}}}}}), "tools[0].type"},
        {with({{"tool_choice", 5}}), "tool_choice"},
        {with({{"tool_choice", {{"type", "mcp"}}}}), "tool_choice.type"},
        {with({{"tool_choice", {{"type", "function"}}}}), "tool_choice.name"},
        {with({{"text", 5}}), "text"},
        {with({{"text", {{"format", 5}}}}), "text.format"},
        {with({{"text", {{"format", {{"name", "x"}}}}}}), "text.format.type"},
        {with({{"max_output_tokens", -1}}), "max_output_tokens"},
        {with({{"max_output_tokens", "x"}}), "max_output_tokens"},
        {with({{"temperature", -1}}), "temperature"},
        {with({{"model", 5}}), "model"},
    };
    for (const auto& [body, param] : cases) {
        const Error error = error_of(body);
        EXPECT_EQ(error.param, param) << body.dump() << ": " << error.message;
        EXPECT_FALSE(error.message.empty());
    }
    EXPECT_EQ(responses_params_from_body("{\"input\":").error().code, ErrorCode::INVALID_ARGUMENT);
}

core::TokenEvent token(std::string text) {
    core::TokenEvent t;
    t.text = std::move(text);
    t.tokens = {1};
    return t;
}

core::FinishEvent finished(core::FinishReason reason) {
    core::FinishEvent e;
    e.reason = reason;
    e.usage = {5, 3, 2};
    return e;
}

std::unique_ptr<core::ChatOutputParser> script() {
    return weather_script();
}

struct Stored {
    std::string id, body, history;
};

ResponsesFormatter make(bool stream, Stored& stored) {
    ResponsesOptions options{"resp_1",
                             1700000000,
                             "m",
                             stream,
                             true,
                             "",
                             json::object(),
                             json::parse(R"([{"role":"user","content":"hi"}])")};
    options.echo["instructions"] = "be brief";
    return ResponsesFormatter(std::move(options), script(),
                              [&stored](const std::string& id, const std::string& body, const std::string& history) {
                                  stored = {id, body, history};
                              });
}

TEST(ResponsesResponse, WholeResponseItemsUsageAndTheStoredTurn) {
    Stored stored;
    ResponsesFormatter f = make(false, stored);
    for (const char* t : {"a", "b", "c"}) {
        EXPECT_EQ(f.on_token(token(t)), "");
    }
    EXPECT_EQ(f.on_finish(finished(core::FinishReason::STOP)), "");
    const json body = json::parse(f.body());
    EXPECT_EQ(body["id"], "resp_1");
    EXPECT_EQ(body["object"], "response");
    EXPECT_EQ(body["status"], "completed");
    EXPECT_EQ(body["instructions"], "be brief");
    EXPECT_EQ(body["incomplete_details"], nullptr);
    EXPECT_EQ(
        body["usage"],
        json::parse(
            R"({"input_tokens":5,"input_tokens_details":{"cached_tokens":2},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":8})"));
    const json& output = body["output"];
    ASSERT_EQ(output.size(), 3u) << output.dump();
    EXPECT_EQ(output[0]["type"], "reasoning");
    EXPECT_EQ(output[0]["content"], json::parse(R"([{"type":"reasoning_text","text":"think"}])"));
    EXPECT_EQ(output[1]["type"], "message");
    EXPECT_EQ(output[1]["content"][0]["text"], "Let me check.");
    EXPECT_EQ(output[2]["type"], "function_call");
    EXPECT_EQ(output[2]["call_id"], "call_a");
    EXPECT_EQ(output[2]["name"], "get_weather");
    EXPECT_EQ(output[2]["arguments"], "{\"city\":\"Oslo\"}");
    EXPECT_EQ(output[2]["status"], "completed");
    EXPECT_EQ(stored.id, "resp_1");
    EXPECT_EQ(stored.body, f.body());
    EXPECT_EQ(
        json::parse(stored.history),
        json::parse(
            R"([{"role":"user","content":"hi"},{"role":"assistant","content":"Let me check.","reasoning_content":"think","tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}])"));
}

std::vector<json> events(const std::string& text) {
    std::vector<json> out;
    size_t at = 0;
    while ((at = text.find("event: ", at)) != std::string::npos) {
        const size_t eol = text.find('\n', at);
        const size_t data = eol + 1 + 6;
        const size_t end = text.find("\n\n", data);
        json payload = json::parse(text.substr(data, end - data));
        EXPECT_EQ(payload["type"], text.substr(at + 7, eol - at - 7));
        out.push_back(std::move(payload));
        at = end;
    }
    return out;
}

TEST(ResponsesResponse, StreamSendsTheSemanticEventsInOrder) {
    Stored stored;
    ResponsesFormatter f = make(true, stored);
    std::string text;
    for (const char* t : {"a", "b", "c"}) {
        text += f.on_token(token(t));
    }
    text += f.on_finish(finished(core::FinishReason::LENGTH)) + f.stream_end();
    const std::vector<json> all = events(text);
    std::vector<std::string> types;
    for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i]["sequence_number"], i);
        types.push_back(all[i]["type"]);
    }
    const std::vector<std::string> want = {"response.created",
                                           "response.in_progress",
                                           "response.output_item.added",
                                           "response.content_part.added",
                                           "response.reasoning_text.delta",
                                           "response.reasoning_text.done",
                                           "response.content_part.done",
                                           "response.output_item.done",
                                           "response.output_item.added",
                                           "response.content_part.added",
                                           "response.output_text.delta",
                                           "response.output_text.done",
                                           "response.content_part.done",
                                           "response.output_item.done",
                                           "response.output_item.added",
                                           "response.function_call_arguments.delta",
                                           "response.function_call_arguments.delta",
                                           "response.function_call_arguments.done",
                                           "response.output_item.done",
                                           "response.incomplete"};
    EXPECT_EQ(types, want);
    EXPECT_EQ(all[0]["response"]["status"], "in_progress");
    EXPECT_EQ(all[0]["response"]["usage"], nullptr);
    EXPECT_EQ(all[14]["item"]["arguments"], "");
    EXPECT_EQ(all[14]["item"]["call_id"], "call_a");
    EXPECT_EQ(all[17]["arguments"], "{\"city\":\"Oslo\"}");
    EXPECT_EQ(all[17]["output_index"], 2);
    const json& last = all.back()["response"];
    EXPECT_EQ(last["status"], "incomplete");
    EXPECT_EQ(last["incomplete_details"]["reason"], "max_output_tokens");
    EXPECT_EQ(last, json::parse(f.body()));
    EXPECT_EQ(stored.body, f.body());
}

TEST(ResponsesResponse, EmptyOutputIsOneEmptyMessageAndDeleteBody) {
    Stored stored;
    ResponsesFormatter f(
        ResponsesOptions{"resp_2", 1, "m", false, false, "resp_1", json::object(), json::array()},
        std::make_unique<ScriptedParser>(std::deque<std::vector<core::ChatDelta>>{}, std::vector<core::ChatDelta>{}),
        nullptr);
    f.on_finish(finished(core::FinishReason::STOP));
    const json body = json::parse(f.body());
    EXPECT_EQ(body["previous_response_id"], "resp_1");
    EXPECT_EQ(body["store"], false);
    ASSERT_EQ(body["output"].size(), 1u);
    EXPECT_EQ(body["output"][0]["content"][0]["text"], "");
    EXPECT_EQ(response_deleted_body("resp_2"), R"({"id":"resp_2","object":"response.deleted","deleted":true})");
    EXPECT_EQ(new_item_id("fc").substr(0, 3), "fc_");
    EXPECT_EQ(new_item_id("resp").size(), 5u + 24u);
}

}  // namespace
}  // namespace hearth::api
