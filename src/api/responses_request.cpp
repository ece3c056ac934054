#include "api/responses_request.h"

#include "api/json_body.h"
#include "api/ordered_fields.h"

namespace hearth::api {

using json = nlohmann::ordered_json;

namespace {

Error unsupported_field(const std::string& param, const std::string& what) {
    return make_error(ErrorCode::UNSUPPORTED, "'" + param + "': " + what, param);
}

// One content part as a chat part.
Result<json> content_part(const json& part, const std::string& at) {
    Result<std::string> type = required_string(part, at, "type");
    if (!type) {
        return type.error();
    }
    const bool text = *type == "input_text" || *type == "output_text";
    if (!text && *type != "input_image") {
        return unsupported_field(join_param(at, "type"),
                                 "'" + *type + "' parts are not supported (input_text, input_image, output_text)");
    }
    Result<std::string> value = required_string(part, at, text ? "text" : "image_url");
    if (!value) {
        return value.error();
    }
    return text ? json{{"type", "text"}, {"text", *value}}
                : json{{"type", "image_url"}, {"image_url", {{"url", *value}}}};
}

// A message item's content: a string, or input_text / output_text / input_image parts as chat parts.
Result<json> message_content(const json& content, const std::string& path) {
    if (content.is_string()) {
        return content;
    }
    json parts = json::array();
    Result<void> read = for_each_object(content, path, "a string or an array of content parts",
                                        [&parts](const json& part, const std::string& at) -> Result<void> {
                                            Result<json> translated = content_part(part, at);
                                            if (!translated) {
                                                return translated.error();
                                            }
                                            parts.push_back(std::move(*translated));
                                            return {};
                                        });
    if (!read) {
        return read.error();
    }
    return parts;
}

// Builds chat messages from input items; function calls join the assistant turn before them.
class InputTranslator {
public:
    Result<void> add(const json& item, const std::string& path);
    json take() { return out_.take(); }

private:
    Result<void> add_message(const json& item, const std::string& path);
    Result<void> add_call(const json& item, const std::string& path);
    Result<void> add_output(const json& item, const std::string& path);

    ChatMessageList out_;
};

Result<void> InputTranslator::add(const json& item, const std::string& path) {
    if (!item.is_object()) {
        return wrong_type(path, "an input item object", item);
    }
    const json* type = member(item, "type");
    if (type != nullptr && !type->is_string()) {
        return wrong_type(join_param(path, "type"), "a string", *type);
    }
    const std::string kind = type != nullptr ? type->get<std::string>() : "message";
    if (kind == "message") {
        return add_message(item, path);
    }
    if (kind == "function_call") {
        return add_call(item, path);
    }
    if (kind == "function_call_output") {
        return add_output(item, path);
    }
    if (kind == "reasoning") {
        return {};  // earlier thinking: the templates drop it from past turns anyway
    }
    return unsupported_field(join_param(path, "type"), "'" + kind + "' items are not supported");
}

Result<void> InputTranslator::add_message(const json& item, const std::string& path) {
    Result<std::string> role = required_string(item, path, "role");
    if (!role) {
        return role.error();
    }
    if (*role != "user" && *role != "assistant" && *role != "system" && *role != "developer") {
        return invalid_field("invalid value for '" + join_param(path, "role") + "': '" + *role +
                                 "'; expected user, assistant, system or developer",
                             join_param(path, "role"));
    }
    const json* content = member(item, "content");
    if (content == nullptr) {
        return invalid_field("'" + join_param(path, "content") + "' is required", join_param(path, "content"));
    }
    Result<json> parts = message_content(*content, join_param(path, "content"));
    if (!parts) {
        return parts.error();
    }
    out_.push({{"role", *role}, {"content", std::move(*parts)}});
    return {};
}

Result<void> InputTranslator::add_call(const json& item, const std::string& path) {
    Result<std::string> call_id = required_string(item, path, "call_id");
    Result<std::string> name = call_id ? required_string(item, path, "name") : call_id;
    Result<std::string> arguments = name ? required_string(item, path, "arguments") : name;
    if (!arguments) {
        return arguments.error();
    }
    out_.note_call(*call_id, *name);
    json call = {{"id", *call_id}, {"type", "function"}, {"function", {{"name", *name}, {"arguments", *arguments}}}};
    const bool joins = !out_.empty() && out_.back()["role"] == "assistant" && !out_.back().contains("tool_call_id");
    if (!joins) {
        out_.push({{"role", "assistant"}, {"content", ""}});
    }
    out_.back()["tool_calls"].push_back(std::move(call));
    return {};
}

Result<void> InputTranslator::add_output(const json& item, const std::string& path) {
    Result<std::string> call_id = required_string(item, path, "call_id");
    Result<std::string> output = call_id ? required_string(item, path, "output") : call_id;
    if (!output) {
        return output.error();
    }
    out_.push_tool_result(*call_id, *output);
    return {};
}

Result<json> translate_input(const json& body) {
    const json* input = member(body, "input");
    if (input == nullptr) {
        return invalid_field("'input' is required", "input");
    }
    if (input->is_string()) {
        return json::array({{{"role", "user"}, {"content", *input}}});
    }
    if (!input->is_array()) {
        return wrong_type("input", "a string or an array of input items", *input);
    }
    InputTranslator items;
    for (size_t i = 0; i < input->size(); ++i) {
        if (Result<void> added = items.add((*input)[i], element_param("input", i)); !added) {
            return added.error();
        }
    }
    return items.take();
}

}  // namespace

namespace {

Result<json> translate_tools(const json& tools) {
    json out = json::array();
    Result<void> read = for_each_object(
        tools, "tools", "an array of tools", [&out](const json& tool, const std::string& at) -> Result<void> {
            Result<std::string> type = required_string(tool, at, "type");
            if (type && *type != "function") {
                return unsupported_field(join_param(at, "type"), "only function tools are supported");
            }
            if (!type) {
                return type.error();
            }
            json function = json::object();
            for (const char* key : {"name", "description", "parameters", "strict"}) {
                if (const json* value = member(tool, key); value != nullptr) {
                    function[key] = *value;
                }
            }
            out.push_back({{"type", "function"}, {"function", std::move(function)}});
            return {};
        });
    if (!read) {
        return read.error();
    }
    return out;
}

Result<json> translate_tool_choice(const json& choice) {
    if (choice.is_string()) {
        return choice;
    }
    if (!choice.is_object()) {
        return wrong_type("tool_choice", "a string or an object", choice);
    }
    Result<std::string> type = required_string(choice, "tool_choice", "type");
    if (!type) {
        return type.error();
    }
    if (*type != "function") {
        return unsupported_field("tool_choice.type", "only 'function' is supported");
    }
    Result<std::string> name = required_string(choice, "tool_choice", "name");
    if (!name) {
        return name.error();
    }
    return json{{"type", "function"}, {"function", {{"name", *name}}}};
}

// text.format → response_format: {type: json_schema, name, schema, strict} moves its fields under json_schema.
Result<void> copy_text_format(const json& body, json& out) {
    Result<const json*> text = optional_object(body, "", "text");
    Result<const json*> format = text && *text != nullptr ? optional_object(**text, "text", "format") : text;
    if (!format || *format == nullptr) {
        return format ? Result<void>{} : Result<void>{format.error()};
    }
    Result<std::string> type = required_string(**format, "text.format", "type");
    if (!type) {
        return type.error();
    }
    if (*type != "json_schema") {
        out["response_format"] = {{"type", *type}};
        return {};
    }
    json schema = json::object();
    for (const char* key : {"name", "description", "schema", "strict"}) {
        if (const json* value = member(**format, key); value != nullptr) {
            schema[key] = *value;
        }
    }
    out["response_format"] = {{"type", "json_schema"}, {"json_schema", std::move(schema)}};
    return {};
}

Result<void> copy_tools(const json& body, json& out) {
    Result<void> tools = copy_translated(body, "tools", out, "tools", translate_tools);
    Result<void> choice =
        tools ? copy_translated(body, "tool_choice", out, "tool_choice", translate_tool_choice) : tools;
    if (!choice) {
        return choice;
    }
    if (const json* parallel = member(body, "parallel_tool_calls"); parallel != nullptr) {
        out["parallel_tool_calls"] = *parallel;
    }
    return copy_text_format(body, out);
}

// The fields a response object repeats, as sent (defaults filled in by the response).
json echo_fields(const json& body) {
    json echo = json::object();
    for (const char* key : {"instructions", "max_output_tokens", "parallel_tool_calls", "temperature", "text",
                            "tool_choice", "tools", "top_p", "user", "metadata", "reasoning"}) {
        if (const json* value = member(body, key); value != nullptr) {
            echo[key] = *value;
        }
    }
    return echo;
}

Result<void> read_flags(const json& body, ResponsesRequest& out) {
    for (const char* key : {"store", "stream"}) {
        const json* value = member(body, key);
        if (value != nullptr && !value->is_boolean()) {
            return wrong_type(key, "a boolean", *value);
        }
    }
    out.store = member(body, "store") == nullptr || member(body, "store")->get<bool>();
    out.stream = member(body, "stream") != nullptr && member(body, "stream")->get<bool>();
    if (const json* previous = member(body, "previous_response_id"); previous != nullptr) {
        if (!previous->is_string()) {
            return wrong_type("previous_response_id", "a string", *previous);
        }
        out.previous_response_id = previous->get<std::string>();
    }
    return {};
}

}  // namespace

Result<ResponsesRequest> parse_responses_request(std::string_view body) {
    Result<json> parsed = parse_ordered_object(body);
    if (!parsed) {
        return parsed.error();
    }
    ResponsesRequest out;
    if (Result<void> flags = read_flags(*parsed, out); !flags) {
        return flags.error();
    }
    Result<json> input = translate_input(*parsed);
    if (!input) {
        return input.error();
    }
    out.conversation = std::move(*input);
    out.chat = json::object();
    for (const auto& [from, to] : {std::pair{"model", "model"},
                                   {"max_output_tokens", "max_tokens"},
                                   {"temperature", "temperature"},
                                   {"top_p", "top_p"},
                                   {"user", "user"}}) {
        if (const json* value = member(*parsed, from); value != nullptr) {
            out.chat[to] = *value;
        }
    }
    if (const json* instructions = member(*parsed, "instructions");
        instructions != nullptr && !instructions->is_string()) {
        return wrong_type("instructions", "a string", *instructions);
    }
    if (Result<void> tools = copy_tools(*parsed, out.chat); !tools) {
        return tools.error();
    }
    out.echo = echo_fields(*parsed);
    return out;
}

json conversation_with(std::string_view history, const ResponsesRequest& request) {
    json messages = history.empty() ? json::array() : json::parse(history, nullptr, false);
    if (!messages.is_array()) {
        messages = json::array();  // the store only ever holds arrays; never fail a request on it
    }
    messages.insert(messages.end(), request.conversation.begin(), request.conversation.end());
    return messages;
}

Result<ChatParams> responses_chat_params(const ResponsesRequest& request, std::string_view history,
                                         const RequestLimits& limits) {
    json chat = request.chat;
    // Instructions apply to this request only: a later previous_response_id does not inherit them.
    json messages = json::array();
    if (const json* instructions = member(request.echo, "instructions"); instructions != nullptr) {
        messages.push_back({{"role", "system"}, {"content", *instructions}});
    }
    for (json& message : conversation_with(history, request)) {
        messages.push_back(std::move(message));
    }
    chat["messages"] = std::move(messages);
    chat["stream"] = request.stream;
    Result<ChatParams> params = chat_params_from_body(dump_ordered(chat), limits);
    if (!params && params.error().param == "max_tokens") {
        Error error = params.error();
        error.param = "max_output_tokens";
        return error;
    }
    return params;
}

Result<ChatParams> responses_params_from_body(std::string_view body, const RequestLimits& limits) {
    Result<ResponsesRequest> request = parse_responses_request(body);
    if (!request) {
        return request.error();
    }
    return responses_chat_params(*request, "", limits);
}

}  // namespace hearth::api
