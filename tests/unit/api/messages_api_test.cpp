// Anthropic Messages bodies → the OpenAI chat body and ChatParams they stand for (every validation error
// names the Anthropic field), and the message / stream events the formatter makes of a generation.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/messages_request.h"
#include "api/messages_response.h"
#include "api/scripted_parser.h"

namespace hearth::api {
namespace {

using nlohmann::json;

constexpr MessagesBody CREATE = MessagesBody::CREATE;

json chat_body(const json& body, MessagesBody kind = CREATE) {
    auto out = messages_to_chat_body(body.dump(), kind);
    EXPECT_TRUE(out.has_value()) << (out.has_value() ? "" : out.error().message);
    return out.has_value() ? json::parse(out->dump()) : json();
}

Error error_of(const std::string& body, MessagesBody kind = CREATE) {
    auto out = messages_params_from_body(body, kind);
    EXPECT_FALSE(out.has_value()) << body;
    return out.has_value() ? Error{} : out.error();
}

const json BASE = {{"model", "m"}, {"max_tokens", 16}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};

json with(json extra) {
    json out = BASE;
    out.update(extra);
    return out;
}

TEST(MessagesRequest, PlainBodyMapsToChat) {
    const json got = chat_body(with({{"system", "be brief"},
                                     {"temperature", 0},
                                     {"top_p", 0.5},
                                     {"top_k", 3},
                                     {"stop_sequences", {"END"}},
                                     {"stream", true}}));
    const json want = {
        {"model", "m"},
        {"messages", {{{"role", "system"}, {"content", "be brief"}}, {{"role", "user"}, {"content", "hi"}}}},
        {"max_tokens", 16},
        {"temperature", 0},
        {"top_p", 0.5},
        {"top_k", 3},
        {"stop", {"END"}},
        {"stream", true}};
    EXPECT_EQ(got, want);
    auto params = messages_params_from_body(with({{"stop_sequences", {"END"}}}).dump(), CREATE);
    ASSERT_TRUE(params.has_value()) << params.error().message;
    EXPECT_EQ(params->options.model, "m");
    EXPECT_EQ(params->options.max_tokens, 16);
    EXPECT_EQ(params->options.stop, std::vector<std::string>{"END"});
    ASSERT_EQ(params->messages.size(), 1u);
    EXPECT_EQ(params->messages[0].role, "user");
    EXPECT_EQ(params->messages[0].content, "hi");
}

TEST(MessagesRequest, SystemBlocksImagesToolUseAndResults) {
    const json messages = {
        {{"role", "user"},
         {"content",
          {{{"type", "text"}, {"text", "look "}},
           {{"type", "image"}, {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "iVBORw0KGgo="}}}},
           {{"type", "image"}, {"source", {{"type", "url"}, {"url", "https://x/y.png"}}}}}}},
        {{"role", "assistant"},
         {"content",
          {{{"type", "thinking"}, {"thinking", "hmm"}, {"signature", "s"}},
           {{"type", "text"}, {"text", "calling"}},
           {{"type", "tool_use"}, {"id", "tu_1"}, {"name", "get_weather"}, {"input", {{"city", "Oslo"}}}}}}},
        {{"role", "user"},
         {"content",
          {{{"type", "tool_result"}, {"tool_use_id", "tu_1"}, {"content", {{{"type", "text"}, {"text", "4C"}}}}},
           {{"type", "text"}, {"text", "thanks"}}}}}};
    const json got = chat_body(with(
        {{"system", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}, {"messages", messages}}));
    const json& m = got["messages"];
    ASSERT_EQ(m.size(), 5u) << got.dump();
    EXPECT_EQ(m[0], json({{"role", "system"}, {"content", "ab"}}));
    EXPECT_EQ(m[1]["content"][1]["image_url"]["url"], "data:image/png;base64,iVBORw0KGgo=");
    EXPECT_EQ(m[1]["content"][2]["image_url"]["url"], "https://x/y.png");
    EXPECT_EQ(m[2], json({{"role", "assistant"},
                          {"content", "calling"},
                          {"reasoning_content", "hmm"},
                          {"tool_calls",
                           {{{"id", "tu_1"},
                             {"type", "function"},
                             {"function", {{"name", "get_weather"}, {"arguments", "{\"city\":\"Oslo\"}"}}}}}}}));
    EXPECT_EQ(m[3], json({{"role", "tool"}, {"tool_call_id", "tu_1"}, {"content", "4C"}, {"name", "get_weather"}}));
    EXPECT_EQ(m[4], json({{"role", "user"}, {"content", {{{"type", "text"}, {"text", "thanks"}}}}}));
}

TEST(MessagesRequest, ToolsChoiceAndThinking) {
    const json tools = {{{"name", "get_weather"},
                         {"description", "weather"},
                         {"input_schema", {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}}}};
    const std::string body =
        R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","input_schema":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}}}],"tool_choice":{"type":"tool","name":"t","disable_parallel_tool_use":true},"thinking":{"type":"disabled"}})";
    auto params = messages_params_from_body(body, CREATE);
    ASSERT_TRUE(params.has_value()) << params.error().message;
    ASSERT_EQ(params->tool_fields.tools.size(), 1u);
    // The client's key order survives: the grammar writes properties in it.
    EXPECT_EQ(params->tool_fields.tools[0].parameters,
              R"({"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}})");
    EXPECT_EQ(params->tool_fields.tool_choice->mode, ToolChoiceMode::FUNCTION);
    EXPECT_EQ(params->tool_fields.tool_choice->function, "t");
    EXPECT_EQ(params->tool_fields.parallel_tool_calls, false);
    EXPECT_EQ(params->chat_template_kwargs.at("enable_thinking"), "false");
    EXPECT_EQ(chat_body(with({{"tools", tools}, {"tool_choice", {{"type", "any"}}}}))["tool_choice"], "required");
    EXPECT_EQ(chat_body(with({{"tools", tools}, {"tool_choice", {{"type", "none"}}}}))["tool_choice"], "none");
    EXPECT_EQ(
        chat_body(with({{"tools", tools}}))["tools"][0],
        json({{"type", "function"},
              {"function",
               {{"name", "get_weather"}, {"parameters", tools[0]["input_schema"]}, {"description", "weather"}}}}));
}

TEST(MessagesRequest, CountTokensNeedsNoMaxTokens) {
    json body = BASE;
    body.erase("max_tokens");
    body["stream"] = true;
    const json got = chat_body(body, MessagesBody::COUNT_TOKENS);
    EXPECT_FALSE(got.contains("max_tokens"));
    EXPECT_FALSE(got.contains("stream"));
    EXPECT_EQ(error_of(body.dump()).param, "max_tokens");
}

struct BadCase {
    json body;
    std::string param;
    ErrorCode code = ErrorCode::INVALID_ARGUMENT;
};

TEST(MessagesRequest, EveryMistakeNamesItsField) {
    const auto user_blocks = [](json block) {
        return json{{{"role", "user"}, {"content", json::array({std::move(block)})}}};
    };
    const std::vector<BadCase> cases = {
        {with({{"max_tokens", nullptr}}), "max_tokens"},
        {with({{"max_tokens", 0}}), "max_tokens"},
        {with({{"max_tokens", "ten"}}), "max_tokens"},
        {with({{"messages", nullptr}}), "messages"},
        {with({{"messages", "hi"}}), "messages"},
        {with({{"messages", json::array()}}), "messages"},
        {with({{"messages", {5}}}), "messages[0]"},
        {with({{"messages", {{{"content", "x"}}}}}), "messages[0].role"},
        {with({{"messages", {{{"role", "system"}, {"content", "x"}}}}}), "messages[0].role"},
        {with({{"messages", {{{"role", "user"}}}}}), "messages[0].content"},
        {with({{"messages", {{{"role", "user"}, {"content", 5}}}}}), "messages[0].content"},
        {with({{"messages", user_blocks(5)}}), "messages[0].content[0]"},
        {with({{"messages", user_blocks({{"text", "x"}})}}), "messages[0].content[0].type"},
        {with({{"messages", user_blocks({{"type", "text"}})}}), "messages[0].content[0].text"},
        {with({{"messages", user_blocks({{"type", "document"}})}}), "messages[0].content[0].type",
         ErrorCode::UNSUPPORTED},
        {with({{"messages", user_blocks({{"type", "image"}})}}), "messages[0].content[0].source"},
        {with({{"messages", user_blocks({{"type", "image"}, {"source", {{"type", "file"}}}})}}),
         "messages[0].content[0].source.type"},
        {with({{"messages", user_blocks({{"type", "image"}, {"source", {{"type", "base64"}, {"data", "AA=="}}}})}}),
         "messages[0].content[0].source.media_type"},
        {with({{"messages", user_blocks({{"type", "tool_result"}})}}), "messages[0].content[0].tool_use_id"},
        {with({{"messages", user_blocks({{"type", "tool_result"}, {"tool_use_id", "a"}, {"content", 5}})}}),
         "messages[0].content[0].content"},
        {with({{"messages", {{{"role", "assistant"}, {"content", {{{"type", "tool_use"}, {"id", "a"}}}}}}}}),
         "messages[0].content[0].name"},
        {with({{"messages",
                {{{"role", "assistant"},
                  {"content", {{{"type", "tool_use"}, {"id", "a"}, {"name", "f"}, {"input", "x"}}}}}}}}),
         "messages[0].content[0].input"},
        {with({{"messages", {{{"role", "assistant"}, {"content", {{{"type", "image"}}}}}}}}),
         "messages[0].content[0].type", ErrorCode::UNSUPPORTED},
        {with({{"system", 5}}), "system"},
        {with({{"system", {{{"type", "image"}}}}}), "system[0].type", ErrorCode::UNSUPPORTED},
        {with({{"temperature", 1.5}}), "temperature"},
        {with({{"temperature", -1}}), "temperature"},
        {with({{"stop_sequences", "END"}}), "stop_sequences"},
        {with({{"tools", "x"}}), "tools"},
        {with({{"tools", {5}}}), "tools[0]"},
        {with({{"tools", {{{"input_schema", json::object()}}}}}), "tools[0].name"},
        {with({{"tools", {{{"name", "f"}}}}}), "tools[0].input_schema"},
        {with({{"tools", {{{"name", "f"}, {"input_schema", 5}}}}}), "tools[0].input_schema"},
        {with({{"tools", {{{"type", "web_search_20250305"}, {"name", "web_search"}}}}}), "tools[0].type",
         ErrorCode::UNSUPPORTED},
        {with({{"tool_choice", "auto"}}), "tool_choice"},
        {with({{"tool_choice", {{"type", "sometimes"}}}}), "tool_choice.type"},
        {with({{"tool_choice", {{"type", "tool"}}}}), "tool_choice.name"},
        {with({{"tool_choice", {{"type", "auto"}, {"disable_parallel_tool_use", "yes"}}}}),
         "tool_choice.disable_parallel_tool_use"},
        {with({{"thinking", true}}), "thinking"},
        {with({{"thinking", {{"type", "maybe"}}}}), "thinking.type"},
        {with({{"model", 5}}), "model"},
    };
    for (const BadCase& c : cases) {
        const Error error = error_of(c.body.dump());
        EXPECT_EQ(error.param, c.param) << c.body.dump() << ": " << error.message;
        EXPECT_EQ(error.code, c.code) << c.body.dump();
        EXPECT_FALSE(error.message.empty());
    }
    EXPECT_EQ(error_of("{\"model\":").code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of("[1]").code, ErrorCode::INVALID_ARGUMENT);
}

MessagesFormatter make(bool stream, std::unique_ptr<core::ChatOutputParser> parser) {
    return MessagesFormatter({"msg_1", "m", stream, 7}, std::move(parser));
}

core::TokenEvent token(std::string text) {
    core::TokenEvent t;
    t.text = std::move(text);
    t.tokens = {1};
    return t;
}

core::FinishEvent finished(core::FinishReason reason, int32_t completion) {
    core::FinishEvent e;
    e.reason = reason;
    e.usage = {7, completion, 0};
    return e;
}

std::unique_ptr<core::ChatOutputParser> script() {
    return weather_script({call(1, "call_b", "now", "{}")});
}

TEST(MessagesResponse, WholeMessageHasAnthropicShape) {
    MessagesFormatter f = make(false, script());
    for (const char* t : {"a", "b", "c"}) {
        EXPECT_EQ(f.on_token(token(t)), "");
    }
    EXPECT_EQ(f.on_finish(finished(core::FinishReason::STOP, 3)), "");
    ASSERT_TRUE(f.all_finished());
    const json want = {
        {"id", "msg_1"},
        {"type", "message"},
        {"role", "assistant"},
        {"model", "m"},
        {"content",
         {{{"type", "thinking"}, {"thinking", "think"}, {"signature", ""}},
          {{"type", "text"}, {"text", "Let me check."}},
          {{"type", "tool_use"}, {"id", "call_a"}, {"name", "get_weather"}, {"input", {{"city", "Oslo"}}}},
          {{"type", "tool_use"}, {"id", "call_b"}, {"name", "now"}, {"input", json::object()}}}},
        {"stop_reason", "tool_use"},
        {"stop_sequence", nullptr},
        {"usage", {{"input_tokens", 7}, {"output_tokens", 3}}}};
    EXPECT_EQ(json::parse(f.body()), want);
}

TEST(MessagesResponse, LengthIsMaxTokensAndEmptyOutputIsOneTextBlock) {
    MessagesFormatter f = make(false, std::make_unique<ScriptedParser>(std::deque<std::vector<core::ChatDelta>>{},
                                                                       std::vector<core::ChatDelta>{}));
    f.on_finish(finished(core::FinishReason::LENGTH, 0));
    const json body = json::parse(f.body());
    EXPECT_EQ(body["stop_reason"], "max_tokens");
    EXPECT_EQ(body["content"], json({{{"type", "text"}, {"text", ""}}}));
    // Streamed, the same empty text block opens and closes before message_delta.
    MessagesFormatter streamed = make(true, std::make_unique<ScriptedParser>(std::deque<std::vector<core::ChatDelta>>{},
                                                                             std::vector<core::ChatDelta>{}));
    const std::string text = streamed.on_finish(finished(core::FinishReason::LENGTH, 0));
    EXPECT_NE(text.find("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\"stop_reason\":\"max_tokens\""), std::string::npos);
}

// Splits "event: X\ndata: {...}\n\n" frames into (name, payload) pairs.
std::vector<std::pair<std::string, json>> frames(const std::string& text) {
    std::vector<std::pair<std::string, json>> out;
    size_t at = 0;
    while ((at = text.find("event: ", at)) != std::string::npos) {
        const size_t eol = text.find('\n', at);
        const size_t data = eol + 1 + std::string("data: ").size();
        const size_t end = text.find("\n\n", data);
        out.emplace_back(text.substr(at + 7, eol - at - 7), json::parse(text.substr(data, end - data)));
        at = end;
    }
    return out;
}

TEST(MessagesResponse, StreamSendsAnthropicsEventSequence) {
    MessagesFormatter f = make(true, script());
    std::string text;
    for (const char* t : {"a", "b", "c"}) {
        text += f.on_token(token(t));
    }
    text += f.on_finish(finished(core::FinishReason::STOP, 3)) + f.stream_end();
    std::vector<std::string> names;
    for (const auto& [name, payload] : frames(text)) {
        EXPECT_EQ(payload["type"], name);
        names.push_back(name);
    }
    const std::vector<std::string> want = {"message_start",       "content_block_start", "ping",
                                           "content_block_delta", "content_block_stop",  "content_block_start",
                                           "content_block_delta", "content_block_stop",  "content_block_start",
                                           "content_block_delta", "content_block_delta", "content_block_stop",
                                           "content_block_start", "content_block_delta", "content_block_stop",
                                           "message_delta",       "message_stop"};
    EXPECT_EQ(names, want);
    const auto all = frames(text);
    EXPECT_EQ(all[0].second["message"]["usage"], json({{"input_tokens", 7}, {"output_tokens", 0}}));
    EXPECT_EQ(all[0].second["message"]["content"], json::array());
    EXPECT_EQ(all[1].second["content_block"], json({{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}));
    EXPECT_EQ(all[3].second["delta"], json({{"type", "thinking_delta"}, {"thinking", "think"}}));
    EXPECT_EQ(all[6].second["delta"], json({{"type", "text_delta"}, {"text", "Let me check."}}));
    EXPECT_EQ(all[8].second["index"], 2);
    EXPECT_EQ(all[8].second["content_block"],
              json({{"type", "tool_use"}, {"id", "call_a"}, {"name", "get_weather"}, {"input", json::object()}}));
    EXPECT_EQ(all[9].second["delta"], json({{"type", "input_json_delta"}, {"partial_json", "{\"ci"}}));
    EXPECT_EQ(all[10].second["delta"]["partial_json"], "ty\":\"Oslo\"}");
    EXPECT_EQ(all[14].second["index"], 3);
    EXPECT_EQ(all[15].second["delta"], json({{"stop_reason", "tool_use"}, {"stop_sequence", nullptr}}));
    EXPECT_EQ(all[15].second["usage"], json({{"input_tokens", 7}, {"output_tokens", 3}}));
}

TEST(MessagesResponse, StopSequenceNamesTheMatchedString) {
    core::FinishEvent end = finished(core::FinishReason::STOP, 2);
    end.stop_sequence = "END";
    MessagesFormatter whole = make(false, std::make_unique<ScriptedParser>(std::deque<std::vector<core::ChatDelta>>{},
                                                                           std::vector<core::ChatDelta>{}));
    whole.on_finish(end);
    const json body = json::parse(whole.body());
    EXPECT_EQ(body["stop_reason"], "stop_sequence");
    EXPECT_EQ(body["stop_sequence"], "END");
    MessagesFormatter streamed = make(true, std::make_unique<ScriptedParser>(std::deque<std::vector<core::ChatDelta>>{},
                                                                             std::vector<core::ChatDelta>{}));
    const auto all = frames(streamed.on_finish(end));
    ASSERT_GE(all.size(), 2u);
    EXPECT_EQ(all[all.size() - 2].second["delta"], json({{"stop_reason", "stop_sequence"}, {"stop_sequence", "END"}}));
}

TEST(MessagesResponse, ErrorsInAnthropicShape) {
    const Error bad = make_error(ErrorCode::INVALID_ARGUMENT, "nope", "max_tokens");
    EXPECT_EQ(json::parse(anthropic_error_body(bad)),
              json({{"type", "error"}, {"error", {{"type", "invalid_request_error"}, {"message", "nope"}}}}));
    EXPECT_EQ(anthropic_error_type(ErrorCode::MODEL_NOT_FOUND), "not_found_error");
    EXPECT_EQ(anthropic_error_type(ErrorCode::UNAUTHENTICATED), "authentication_error");
    EXPECT_EQ(anthropic_error_type(ErrorCode::OVERLOADED), "rate_limit_error");
    EXPECT_EQ(anthropic_error_type(ErrorCode::PAYLOAD_TOO_LARGE), "request_too_large");
    EXPECT_EQ(anthropic_error_type(ErrorCode::MODEL_NOT_READY), "overloaded_error");
    EXPECT_EQ(anthropic_error_type(ErrorCode::INTERNAL), "api_error");
    const std::string frame = make(true, script()).stream_error(bad);
    EXPECT_EQ(frame.rfind("event: error\ndata: ", 0), 0u) << frame;
    EXPECT_EQ(count_tokens_body(12), R"({"input_tokens":12})");
}

}  // namespace
}  // namespace hearth::api
