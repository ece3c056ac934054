#include "api/completions_request.h"

#include <algorithm>
#include <array>
#include <limits>

#include "api/chat_tools_request.h"
#include "api/content_parts.h"
#include "api/json_body.h"
#include "api/request_fields.h"

namespace hearth::api {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 5> ROLES = {"system", "developer", "user", "assistant", "tool"};

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

Error unsupported(std::string message, std::string param) {
    return make_error(ErrorCode::UNSUPPORTED, std::move(message), std::move(param));
}

Result<ChatMessage> parse_message(const json& value, const std::string& path) {
    if (!value.is_object()) {
        return invalid("invalid type for '" + path + "': expected a message object, got " + value.type_name(), path);
    }
    FieldReader reader(value, path);
    ChatMessage message;
    message.role = reader.string("role").value_or("");
    message.name = reader.string("name").value_or("");
    message.tool_call_id = reader.string("tool_call_id").value_or("");
    if (message.role == "assistant") {
        message.reasoning_content = reader.string("reasoning_content").value_or("");
        message.tool_calls = read_message_tool_calls(reader);
    }
    if (!reader.ok()) {
        return reader.error();
    }
    if (message.role.empty()) {
        return invalid("'" + reader.param("role") + "' is required", reader.param("role"));
    }
    if (std::find(ROLES.begin(), ROLES.end(), message.role) == ROLES.end()) {
        return invalid("invalid value for '" + reader.param("role") + "': '" + message.role +
                           "'; expected one of system, developer, user, assistant, tool",
                       reader.param("role"));
    }
    Result<void> content = read_message_content(reader, message);
    if (!content) {
        return content.error();
    }
    return message;
}

Result<std::vector<ChatMessage>> parse_messages(const json& body) {
    const FieldReader reader(body);
    const json* messages = reader.find("messages");
    if (messages == nullptr) {
        return invalid("'messages' is required", "messages");
    }
    if (!messages->is_array()) {
        return invalid(
            std::string("invalid type for 'messages': expected an array of messages, got ") + messages->type_name(),
            "messages");
    }
    if (messages->empty()) {
        return invalid("'messages' must contain at least one message", "messages");
    }
    std::vector<ChatMessage> out;
    for (size_t i = 0; i < messages->size(); ++i) {
        Result<ChatMessage> message = parse_message((*messages)[i], element_param("messages", i));
        if (!message) {
            return message.error();
        }
        out.push_back(std::move(*message));
    }
    return out;
}

// Keyword arguments for the chat template, kept as JSON text so the server layer can hand them to the
// template engine without this module knowing it.
void read_chat_template_kwargs(FieldReader& reader, std::map<std::string, std::string>& out) {
    const json* value = reader.find("chat_template_kwargs");
    if (value == nullptr) {
        return;
    }
    if (!value->is_object()) {
        reader.fail_type("chat_template_kwargs", "an object");
        return;
    }
    for (const auto& [key, item] : value->items()) {
        out[key] = item.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

// Fields that would change what the client gets back and that hearth cannot honour yet: refused, never
// silently ignored, so that a client relying on them learns it at once.
void reject_unsupported_chat_fields(FieldReader& reader) {
    for (const char* key : {"functions", "function_call"}) {
        if (reader.find(key) != nullptr) {
            reader.fail(unsupported(
                std::string("'") + key + "' (deprecated function calling) is not supported: use 'tools'", key));
        }
    }
}

}  // namespace

Result<ChatCompletionRequest> parse_chat_completion_request(std::string_view body) {
    Result<json> parsed = parse_json_object(body);
    if (!parsed) {
        return parsed.error();
    }
    FieldReader reader(*parsed);
    ChatCompletionRequest request;
    read_common_fields(reader, request.common);
    if (!reader.ok()) {
        return reader.error();
    }
    Result<std::vector<ChatMessage>> messages = parse_messages(*parsed);
    if (!messages) {
        return messages.error();
    }
    request.messages = std::move(*messages);
    request.max_completion_tokens = reader.integer("max_completion_tokens");
    request.logprobs = reader.boolean("logprobs");
    request.top_logprobs = reader.integer("top_logprobs");
    read_chat_template_kwargs(reader, request.chat_template_kwargs);
    read_chat_tool_fields(reader, request.tool_fields);
    reject_unsupported_chat_fields(reader);
    if (!reader.ok()) {
        return reader.error();
    }
    keep_schema_key_order(body, request.tool_fields);
    return request;
}

Result<ChatParams> resolve_chat_params(const ChatCompletionRequest& request, const RequestLimits& limits) {
    Result<GenerationOptions> options = resolve_common_fields(request.common, limits);
    if (!options) {
        return options.error();
    }
    // max_completion_tokens replaced max_tokens in OpenAI's chat API; when both are sent the newer one wins.
    Result<std::optional<int32_t>> max_tokens =
        request.max_completion_tokens ? resolve_max_tokens(request.max_completion_tokens, "max_completion_tokens")
                                      : resolve_max_tokens(request.common.max_tokens, "max_tokens");
    if (!max_tokens) {
        return max_tokens.error();
    }
    options->max_tokens = *max_tokens;
    options->logprobs = request.logprobs.value_or(false);
    if (request.top_logprobs) {
        if (*request.top_logprobs < 0 || *request.top_logprobs > MAX_TOP_LOGPROBS) {
            return invalid("'top_logprobs' must be between 0 and 20, got " + std::to_string(*request.top_logprobs),
                           "top_logprobs");
        }
        // 0 asks for nothing, so it is accepted without logprobs (some clients always send it).
        if (*request.top_logprobs > 0 && !options->logprobs) {
            return invalid("'top_logprobs' requires 'logprobs' to be true", "top_logprobs");
        }
        options->top_logprobs = static_cast<int32_t>(*request.top_logprobs);
    }
    if (Result<void> media = check_media_limits(request.messages, limits); !media) {
        return media.error();
    }
    Result<ChatToolFields> tool_fields = resolve_chat_tool_fields(request.tool_fields);
    if (!tool_fields) {
        return tool_fields.error();
    }
    return ChatParams{std::move(*options), request.messages, request.chat_template_kwargs, std::move(*tool_fields)};
}

Result<ChatParams> chat_params_from_body(std::string_view body, const RequestLimits& limits) {
    Result<ChatCompletionRequest> request = parse_chat_completion_request(body);
    if (!request) {
        return request.error();
    }
    return resolve_chat_params(*request, limits);
}

}  // namespace hearth::api
