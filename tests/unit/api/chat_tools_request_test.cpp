// The chat fields of tool calling, structured output and reasoning: shapes, defaults and the 4xx for each
// client mistake.

#include <gtest/gtest.h>

#include <string>

#include "api/completions_request.h"

namespace hearth::api {
namespace {

const std::string USER = R"({"role":"user","content":"hi"})";
const std::string WEATHER_TOOL =
    R"({"type":"function","function":{"name":"get_weather","description":"Weather now",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}})";

std::string chat_with(const std::string& extra, const std::string& messages = "[" + USER + "]") {
    return R"({"model":"m","messages":)" + messages + "," + extra + "}";
}

ChatParams chat_ok(const std::string& body) {
    Result<ChatParams> params = chat_params_from_body(body);
    EXPECT_TRUE(params.has_value()) << body << " -> " << (params ? "" : params.error().message);
    return params ? *params : ChatParams{};
}

void expect_error(const std::string& body, ErrorCode code, const std::string& param) {
    Result<ChatParams> params = chat_params_from_body(body);
    ASSERT_FALSE(params.has_value()) << body;
    EXPECT_EQ(params.error().code, code) << body << " -> " << params.error().message;
    EXPECT_EQ(params.error().param, param) << body << " -> " << params.error().message;
}

TEST(ChatTools, ToolsAreReadWithTheirSchemaAsJsonText) {
    const ChatParams p =
        chat_ok(chat_with(R"("tools":[)" + WEATHER_TOOL + R"(,{"type":"function","function":{"name":"now"}}])"));
    ASSERT_EQ(p.tool_fields.tools.size(), 2u);
    EXPECT_EQ(p.tool_fields.tools[0].name, "get_weather");
    EXPECT_EQ(p.tool_fields.tools[0].description, "Weather now");
    // In the client's key order: the template shows the schema as written, the grammar follows its order.
    EXPECT_EQ(p.tool_fields.tools[0].parameters,
              R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})");
    EXPECT_EQ(p.tool_fields.tools[1].parameters, "{}");
    ASSERT_TRUE(p.tool_fields.tool_choice.has_value());
    EXPECT_EQ(p.tool_fields.tool_choice->mode, ToolChoiceMode::AUTO);  // OpenAI's default with tools
    EXPECT_FALSE(p.tool_fields.parallel_tool_calls.has_value());
}

TEST(ChatTools, ToolChoiceForms) {
    const std::string tools = R"("tools":[)" + WEATHER_TOOL + "],";
    EXPECT_EQ(chat_ok(chat_with(tools + R"("tool_choice":"none")")).tool_fields.tool_choice->mode,
              ToolChoiceMode::NONE);
    EXPECT_EQ(chat_ok(chat_with(tools + R"("tool_choice":"required")")).tool_fields.tool_choice->mode,
              ToolChoiceMode::REQUIRED);
    const ChatParams named =
        chat_ok(chat_with(tools + R"("tool_choice":{"type":"function","function":{"name":"get_weather"}},
                                     "parallel_tool_calls":false)"));
    EXPECT_EQ(named.tool_fields.tool_choice->mode, ToolChoiceMode::FUNCTION);
    EXPECT_EQ(named.tool_fields.tool_choice->function, "get_weather");
    EXPECT_EQ(named.tool_fields.parallel_tool_calls, false);
    // Without tools there is nothing to call.
    EXPECT_EQ(chat_ok(chat_with(R"("tool_choice":"auto")")).tool_fields.tool_choice->mode, ToolChoiceMode::NONE);
    EXPECT_EQ(chat_ok(chat_with(R"("tools":[])")).tool_fields.tool_choice->mode, ToolChoiceMode::NONE);
}

TEST(ChatTools, ResponseFormats) {
    EXPECT_EQ(chat_ok(chat_with(R"("response_format":{"type":"text"})")).tool_fields.response_format.type,
              ResponseFormatType::TEXT);
    const ResponseFormat object =
        chat_ok(chat_with(R"("response_format":{"type":"json_object"})")).tool_fields.response_format;
    EXPECT_EQ(object.type, ResponseFormatType::JSON_OBJECT);
    EXPECT_EQ(object.schema, R"({"type":"object"})");
    const ResponseFormat schema =
        chat_ok(chat_with(R"("response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true,
                              "schema":{"type":"array","items":{"type":"integer"}}}})"))
            .tool_fields.response_format;
    EXPECT_EQ(schema.type, ResponseFormatType::JSON_SCHEMA);
    EXPECT_EQ(schema.schema, R"({"type":"array","items":{"type":"integer"}})");
    const ResponseFormat ordered =
        chat_ok(chat_with(R"("response_format":{"type":"json_schema","json_schema":{"name":"x",
                              "schema":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}}}}})"))
            .tool_fields.response_format;
    EXPECT_EQ(ordered.schema, R"({"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}}})");
    // No schema: any JSON object.
    EXPECT_EQ(chat_ok(chat_with(R"("response_format":{"type":"json_schema","json_schema":{"name":"x"}})"))
                  .tool_fields.response_format.schema,
              R"({"type":"object"})");
    // A JSON format is fine beside tools the model may not call.
    chat_ok(chat_with(R"("tools":[)" + WEATHER_TOOL +
                      R"(],"tool_choice":"none","response_format":{"type":"json_object"})"));
}

TEST(ChatTools, AssistantToolCallsAndToolResultsAreRead) {
    const std::string messages = "[" + USER + R"(,
        {"role":"assistant","content":null,"reasoning_content":"thinking",
         "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},
                       {"id":"call_2","type":"function","function":{"name":"now","arguments":{"tz":"UTC"}}}]},
        {"role":"tool","tool_call_id":"call_1","content":"cold"}])";
    const ChatParams p = chat_ok(chat_with(R"("tools":[)" + WEATHER_TOOL + "]", messages));
    ASSERT_EQ(p.messages.size(), 3u);
    const ChatMessage& assistant = p.messages[1];
    EXPECT_EQ(assistant.content, "");
    EXPECT_EQ(assistant.reasoning_content, "thinking");
    ASSERT_EQ(assistant.tool_calls.size(), 2u);
    EXPECT_EQ(assistant.tool_calls[0], (core::ToolCall{"call_1", "get_weather", R"({"city":"Oslo"})"}));
    EXPECT_EQ(assistant.tool_calls[1].arguments, R"({"tz":"UTC"})");  // an object is taken as its JSON text
    EXPECT_EQ(p.messages[2].role, "tool");
    EXPECT_EQ(p.messages[2].tool_call_id, "call_1");
    EXPECT_EQ(p.messages[2].content, "cold");
}

TEST(ChatTools, ReasoningFormatNoneKeepsThinkingInContent) {
    EXPECT_TRUE(chat_ok(chat_with(R"("reasoning_format":"deepseek")")).tool_fields.extract_reasoning);
    EXPECT_FALSE(chat_ok(chat_with(R"("reasoning_format":"none")")).tool_fields.extract_reasoning);
}

TEST(ChatTools, ClientMistakesAre4xxNamingTheField) {
    const ErrorCode INVALID = ErrorCode::INVALID_ARGUMENT;
    const std::string tools = R"("tools":[)" + WEATHER_TOOL + "],";
    expect_error(chat_with(R"("tools":{})"), INVALID, "tools");
    expect_error(chat_with(R"("tools":[5])"), INVALID, "tools[0]");
    expect_error(chat_with(R"("tools":[{"type":"function"}])"), INVALID, "tools[0].function");
    expect_error(chat_with(R"("tools":[{"type":"function","function":{"name":"a b"}}])"), INVALID,
                 "tools[0].function.name");
    expect_error(chat_with(R"("tools":[{"type":"function","function":{"name":""}}])"), INVALID,
                 "tools[0].function.name");
    expect_error(chat_with(R"("tools":[{"type":"function","function":{"name":"f","parameters":[1]}}])"), INVALID,
                 "tools[0].function.parameters");
    expect_error(chat_with(R"("tool_choice":"required")"), INVALID, "tool_choice");
    expect_error(chat_with(tools + R"("tool_choice":"sometimes")"), INVALID, "tool_choice");
    expect_error(chat_with(tools + R"("tool_choice":{"type":"function","function":{"name":"other"}})"), INVALID,
                 "tool_choice.function.name");
    expect_error(chat_with(tools + R"("tool_choice":{"type":"function","function":{}})"), INVALID,
                 "tool_choice.function.name");
    expect_error(chat_with(tools + R"("tool_choice":{"type":"function"})"), INVALID, "tool_choice.function");
    expect_error(chat_with(tools + R"("tool_choice":5)"), INVALID, "tool_choice");
    expect_error(chat_with(tools + R"("parallel_tool_calls":"yes")"), INVALID, "parallel_tool_calls");
    expect_error(chat_with(R"("response_format":"json")"), INVALID, "response_format");
    expect_error(chat_with(R"("response_format":{"type":"yaml"})"), INVALID, "response_format.type");
    expect_error(chat_with(R"("response_format":{"type":"json_schema"})"), INVALID, "response_format.json_schema");
    expect_error(chat_with(R"("response_format":{"type":"json_schema","json_schema":{"schema":"x"}})"), INVALID,
                 "response_format.json_schema.schema");
    // Bounds no value can meet: refused here, before llama.cpp builds a grammar of them.
    expect_error(chat_with(R"("response_format":{"type":"json_schema","json_schema":{"name":"x","schema":
                              {"type":"object","properties":{"a":{"type":"string","minLength":5,"maxLength":2}}}}})"),
                 INVALID, "response_format");
    expect_error(chat_with(R"("response_format":{"type":"json_schema","json_schema":{"name":"x","schema":
                              {"type":"array","items":[{"minimum":3,"maximum":1}]}}})"),
                 INVALID, "response_format");
    expect_error(chat_with(R"("tools":[{"type":"function","function":{"name":"f","parameters":
                              {"type":"object","properties":{"a":{"type":"array","minItems":2,"maxItems":1}}}}}])"),
                 INVALID, "tools[0].function.parameters");
    const std::string bad_call =
        "[" + USER + R"(,{"role":"assistant","tool_calls":[{"type":"function","function":{"arguments":"{}"}}]}])";
    expect_error(chat_with(R"("max_tokens":1)", bad_call), INVALID, "messages[1].tool_calls[0].function.name");
    const std::string not_array = "[" + USER + R"(,{"role":"assistant","tool_calls":{}}])";
    expect_error(chat_with(R"("max_tokens":1)", not_array), INVALID, "messages[1].tool_calls");
}

}  // namespace
}  // namespace hearth::api
