#include "api/chat_tools_request.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace hearth::api {

using nlohmann::json;

namespace {

constexpr size_t MAX_TOOL_NAME = 64;

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

Error unsupported(std::string message, std::string param) {
    return make_error(ErrorCode::UNSUPPORTED, std::move(message), std::move(param));
}

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// OpenAI's rule for function names: letters, digits, underscores and dashes, at most 64.
bool valid_tool_name(const std::string& name) {
    return !name.empty() && name.size() <= MAX_TOOL_NAME && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// The first pair of bounds in a JSON schema that no value can meet (minLength above maxLength and the like),
// described with its location ("#/properties/a"); nullopt when there is none. Such a schema cannot be
// enforced: llama.cpp's grammar builder would make an unsatisfiable, or for lengths an endless, grammar.
std::optional<std::string> contradictory_bounds(const json& schema, const std::string& where) {
    static constexpr std::pair<const char*, const char*> BOUNDS[] = {{"minLength", "maxLength"},
                                                                     {"minItems", "maxItems"},
                                                                     {"minProperties", "maxProperties"},
                                                                     {"minimum", "maximum"},
                                                                     {"minContains", "maxContains"}};
    if (schema.is_object()) {
        for (const auto& [low, high] : BOUNDS) {
            const auto l = schema.find(low);
            const auto h = schema.find(high);
            if (l != schema.end() && h != schema.end() && l->is_number() && h->is_number() &&
                l->get<double>() > h->get<double>()) {
                return std::string(low) + " " + dump(*l) + " is above " + high + " " + dump(*h) + " at " + where;
            }
        }
        for (const auto& [key, value] : schema.items()) {
            if (auto found = contradictory_bounds(value, where + "/" + key)) {
                return found;
            }
        }
    } else if (schema.is_array()) {
        for (size_t i = 0; i < schema.size(); ++i) {
            if (auto found = contradictory_bounds(schema[i], where + "/" + std::to_string(i))) {
                return found;
            }
        }
    }
    return std::nullopt;
}

// A required object member of `reader`'s object; records the mistake and returns nullptr otherwise.
const json* required_object(FieldReader& reader, std::string_view key) {
    const json* value = reader.find(key);
    if (value == nullptr) {
        reader.fail(invalid("'" + reader.param(key) + "' is required", reader.param(key)));
        return nullptr;
    }
    if (!value->is_object()) {
        reader.fail_type(key, "an object");
        return nullptr;
    }
    return value;
}

Result<ToolDefinition> parse_function(const json& value, const std::string& path) {
    FieldReader reader(value, path);
    ToolDefinition tool;
    tool.name = reader.string("name").value_or("");
    tool.description = reader.string("description").value_or("");
    reader.boolean("strict");  // accepted: the grammar enforces the schema whether strict or not
    if (!reader.ok()) {
        return reader.error();
    }
    if (!valid_tool_name(tool.name)) {
        return invalid("'" + reader.param("name") + "' must be 1 to 64 letters, digits, underscores or dashes",
                       reader.param("name"));
    }
    const json* parameters = reader.find("parameters");
    if (parameters != nullptr && !parameters->is_object()) {
        reader.fail_type("parameters", "a JSON schema object");
        return reader.error();
    }
    if (parameters != nullptr) {
        if (const std::optional<std::string> bad = contradictory_bounds(*parameters, "#")) {
            return invalid("'" + reader.param("parameters") + "' cannot be enforced: " + *bad,
                           reader.param("parameters"));
        }
    }
    tool.parameters = parameters != nullptr ? dump(*parameters) : "{}";
    return tool;
}

Result<ToolDefinition> parse_tool(const json& value, const std::string& path) {
    if (!value.is_object()) {
        return invalid("invalid type for '" + path + "': expected a tool object", path);
    }
    FieldReader reader(value, path);
    const std::string type = reader.string("type").value_or("");
    if (!reader.ok()) {
        return reader.error();
    }
    if (type != "function") {
        return unsupported("'" + reader.param("type") + "' must be 'function' (the only tool type supported)",
                           reader.param("type"));
    }
    const json* function = required_object(reader, "function");
    if (function == nullptr) {
        return reader.error();
    }
    return parse_function(*function, reader.param("function"));
}

void read_tools(FieldReader& reader, std::vector<ToolDefinition>& out) {
    const json* tools = reader.find("tools");
    if (tools == nullptr) {
        return;
    }
    if (!tools->is_array()) {
        reader.fail_type("tools", "an array of tools");
        return;
    }
    for (size_t i = 0; i < tools->size(); ++i) {
        Result<ToolDefinition> tool = parse_tool((*tools)[i], element_param("tools", i));
        if (!tool) {
            reader.fail(tool.error());
            return;
        }
        out.push_back(std::move(*tool));
    }
}

// "none" | "auto" | "required" | {"type": "function", "function": {"name": ...}}
void read_tool_choice(FieldReader& reader, std::optional<ToolChoice>& out) {
    const json* value = reader.find("tool_choice");
    if (value == nullptr) {
        return;
    }
    if (value->is_string()) {
        const std::string mode = value->get<std::string>();
        if (mode == "auto" || mode == "none" || mode == "required") {
            out = ToolChoice{mode == "auto"   ? ToolChoiceMode::AUTO
                             : mode == "none" ? ToolChoiceMode::NONE
                                              : ToolChoiceMode::REQUIRED,
                             {}};
            return;
        }
        reader.fail(invalid(
            "invalid value for 'tool_choice': '" + mode + "'; expected none, auto, required or a named function",
            "tool_choice"));
        return;
    }
    if (!value->is_object()) {
        reader.fail_type("tool_choice", "a string or an object");
        return;
    }
    FieldReader choice(*value, "tool_choice");
    const std::string type = choice.string("type").value_or("");
    const json* function = choice.ok() ? required_object(choice, "function") : nullptr;
    if (function == nullptr || type != "function") {
        reader.fail(choice.ok() ? invalid("'tool_choice.type' must be 'function'", "tool_choice.type")
                                : choice.error());
        return;
    }
    FieldReader named(*function, "tool_choice.function");
    const std::optional<std::string> name = named.string("name");
    if (!named.ok() || !name) {
        reader.fail(named.ok() ? invalid("'tool_choice.function.name' is required", "tool_choice.function.name")
                               : named.error());
        return;
    }
    out = ToolChoice{ToolChoiceMode::FUNCTION, *name};
}

// {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}: the schema as JSON text.
void read_json_schema(FieldReader& format, ResponseFormat& out) {
    const json* wrapper = required_object(format, "json_schema");
    if (wrapper == nullptr) {
        return;
    }
    FieldReader reader(*wrapper, format.param("json_schema"));
    reader.string("name");
    reader.string("description");
    reader.boolean("strict");  // accepted: the grammar enforces the schema whether strict or not
    const json* schema = reader.find("schema");
    if (schema != nullptr && !schema->is_object()) {
        reader.fail_type("schema", "a JSON schema object");
    } else if (schema != nullptr) {
        if (const std::optional<std::string> bad = contradictory_bounds(*schema, "#")) {
            reader.fail(invalid("the response_format schema cannot be enforced: " + *bad, "response_format"));
        }
    }
    if (!reader.ok()) {
        format.fail(reader.error());
        return;
    }
    // No schema, or an empty one, means any JSON object (as llama-server).
    out.schema = schema != nullptr && !schema->empty() ? dump(*schema) : R"({"type":"object"})";
}

void read_response_format(FieldReader& reader, ResponseFormat& out) {
    const json* value = reader.find("response_format");
    if (value == nullptr) {
        return;
    }
    if (!value->is_object()) {
        reader.fail_type("response_format", "an object");
        return;
    }
    FieldReader format(*value, "response_format");
    const std::string type = format.string("type").value_or("");
    if (type == "json_object") {
        out = {ResponseFormatType::JSON_OBJECT, R"({"type":"object"})"};
    } else if (type == "json_schema") {
        out.type = ResponseFormatType::JSON_SCHEMA;
        read_json_schema(format, out);
    } else if (format.ok() && type != "text") {
        format.fail(invalid(
            "invalid value for 'response_format.type': '" + type + "'; expected text, json_object or json_schema",
            "response_format.type"));
    }
    if (!format.ok()) {
        reader.fail(format.error());
    }
}

Result<core::ToolCall> parse_tool_call(const json& value, const std::string& path) {
    if (!value.is_object()) {
        return invalid("invalid type for '" + path + "': expected a tool call object", path);
    }
    FieldReader reader(value, path);
    core::ToolCall call;
    call.id = reader.string("id").value_or("");
    const std::string type = reader.string("type").value_or("function");
    const json* function = reader.ok() ? required_object(reader, "function") : nullptr;
    if (function == nullptr) {
        return reader.error();
    }
    if (type != "function") {
        return unsupported("'" + reader.param("type") + "' must be 'function'", reader.param("type"));
    }
    FieldReader fields(*function, reader.param("function"));
    call.name = fields.string("name").value_or("");
    // The arguments are JSON text as the model wrote them; some clients send the object itself.
    const json* arguments = fields.find("arguments");
    call.arguments = arguments == nullptr     ? "{}"
                     : arguments->is_string() ? arguments->get<std::string>()
                                              : dump(*arguments);
    if (!fields.ok()) {
        return fields.error();
    }
    if (call.name.empty()) {
        return invalid("'" + fields.param("name") + "' is required", fields.param("name"));
    }
    return call;
}

}  // namespace

void read_chat_tool_fields(FieldReader& reader, ChatToolFields& out) {
    read_tools(reader, out.tools);
    read_tool_choice(reader, out.tool_choice);
    out.parallel_tool_calls = reader.boolean("parallel_tool_calls");
    read_response_format(reader, out.response_format);
    const std::optional<std::string> reasoning = reader.string("reasoning_format");
    out.extract_reasoning = !reasoning || *reasoning != "none";
}

void keep_schema_key_order(std::string_view body, ChatToolFields& fields) {
    const bool has_schema = fields.response_format.type == ResponseFormatType::JSON_SCHEMA;
    if (fields.tools.empty() && !has_schema) {
        return;
    }
    // The body already parsed once within the depth limit, so this parse succeeds; no exception either way.
    const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(body, nullptr, false);
    if (ordered.is_discarded()) {
        return;
    }
    const auto at = [](const nlohmann::ordered_json& object, const char* key) -> const nlohmann::ordered_json* {
        return object.is_object() && object.contains(key) ? &object.at(key) : nullptr;
    };
    const nlohmann::ordered_json* tools = at(ordered, "tools");
    for (size_t i = 0; tools != nullptr && tools->is_array() && i < fields.tools.size() && i < tools->size(); ++i) {
        const nlohmann::ordered_json* function = at((*tools)[i], "function");
        const nlohmann::ordered_json* parameters = function != nullptr ? at(*function, "parameters") : nullptr;
        if (parameters != nullptr && parameters->is_object()) {
            fields.tools[i].parameters =
                parameters->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        }
    }
    const nlohmann::ordered_json* format = at(ordered, "response_format");
    const nlohmann::ordered_json* wrapper = format != nullptr ? at(*format, "json_schema") : nullptr;
    const nlohmann::ordered_json* schema = wrapper != nullptr ? at(*wrapper, "schema") : nullptr;
    if (has_schema && schema != nullptr && schema->is_object() && !schema->empty()) {
        fields.response_format.schema = schema->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
}

std::vector<core::ToolCall> read_message_tool_calls(FieldReader& reader) {
    std::vector<core::ToolCall> calls;
    const json* value = reader.find("tool_calls");
    if (value == nullptr) {
        return calls;
    }
    if (!value->is_array()) {
        reader.fail_type("tool_calls", "an array of tool calls");
        return calls;
    }
    for (size_t i = 0; i < value->size(); ++i) {
        Result<core::ToolCall> call = parse_tool_call((*value)[i], element_param(reader.param("tool_calls"), i));
        if (!call) {
            reader.fail(call.error());
            return {};
        }
        calls.push_back(std::move(*call));
    }
    return calls;
}

Result<ChatToolFields> resolve_chat_tool_fields(const ChatToolFields& fields) {
    ChatToolFields out = fields;
    const bool has_tools = !fields.tools.empty();
    ToolChoice choice =
        fields.tool_choice.value_or(ToolChoice{has_tools ? ToolChoiceMode::AUTO : ToolChoiceMode::NONE, {}});
    if (!has_tools && (choice.mode == ToolChoiceMode::REQUIRED || choice.mode == ToolChoiceMode::FUNCTION)) {
        return invalid("'tool_choice' requires 'tools'", "tool_choice");
    }
    if (choice.mode == ToolChoiceMode::FUNCTION) {
        const auto named = [&](const ToolDefinition& tool) { return tool.name == choice.function; };
        if (std::none_of(fields.tools.begin(), fields.tools.end(), named)) {
            return invalid("'tool_choice' names function '" + choice.function + "', which is not in 'tools'",
                           "tool_choice.function.name");
        }
    }
    if (!has_tools) {
        choice.mode = ToolChoiceMode::NONE;
    }
    if (choice.mode != ToolChoiceMode::NONE && fields.response_format.type != ResponseFormatType::TEXT) {
        return unsupported("a JSON 'response_format' cannot be combined with tool calls (set tool_choice to none)",
                           "response_format");
    }
    out.tool_choice = choice;
    return out;
}

}  // namespace hearth::api
