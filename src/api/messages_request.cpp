#include "api/messages_request.h"

#include <optional>
#include <string>

#include "api/json_body.h"
#include "api/ordered_fields.h"

namespace hearth::api {

using json = nlohmann::ordered_json;

namespace {

// Text blocks ([{"type":"text","text":...}]) or a string, as system prompts and tool results take them.
Result<std::string> text_of(const json& value, const std::string& path) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    std::string text;
    Result<void> read = for_each_object(
        value, path, "a string or an array of text blocks",
        [&text](const json& block, const std::string& at) -> Result<void> {
            Result<std::string> type = required_string(block, at, "type");
            if (type && *type != "text") {
                return make_error(ErrorCode::UNSUPPORTED,
                                  "'" + join_param(at, "type") + "' must be 'text' here, got '" + *type + "'",
                                  join_param(at, "type"));
            }
            Result<std::string> part = type ? required_string(block, at, "text") : type;
            if (!part) {
                return part.error();
            }
            text += *part;
            return {};
        });
    if (!read) {
        return read.error();
    }
    return text;
}

// An image block's source as the URL an OpenAI image_url part carries.
Result<std::string> image_url(const json& block, const std::string& path) {
    const std::string at = join_param(path, "source");
    const json* source = member(block, "source");
    if (source == nullptr || !source->is_object()) {
        return source == nullptr ? invalid_field("'" + at + "' is required", at) : wrong_type(at, "an object", *source);
    }
    Result<std::string> type = required_string(*source, at, "type");
    if (!type) {
        return type.error();
    }
    if (*type == "url") {
        return required_string(*source, at, "url");
    }
    if (*type != "base64") {
        return invalid_field("'" + join_param(at, "type") + "' must be 'base64' or 'url', got '" + *type + "'",
                             join_param(at, "type"));
    }
    Result<std::string> media_type = required_string(*source, at, "media_type");
    if (!media_type) {
        return media_type.error();
    }
    Result<std::string> data = required_string(*source, at, "data");
    if (!data) {
        return data.error();
    }
    return "data:" + *media_type + ";base64," + *data;
}

// Builds the OpenAI messages of one Anthropic body, remembering each tool_use's name for its tool_result.
class MessageTranslator {
public:
    Result<void> add(const json& message, const std::string& path);
    void add_system(std::string text) { out_.push({{"role", "system"}, {"content", std::move(text)}}); }
    json take() { return out_.take(); }

private:
    Result<void> add_user(const json& blocks, const std::string& path);
    Result<void> add_assistant(const json& blocks, const std::string& path);
    Result<void> add_tool_result(const json& block, const std::string& path);

    ChatMessageList out_;
};

Result<void> MessageTranslator::add(const json& message, const std::string& path) {
    if (!message.is_object()) {
        return wrong_type(path, "a message object", message);
    }
    Result<std::string> role = required_string(message, path, "role");
    if (!role) {
        return role.error();
    }
    if (*role != "user" && *role != "assistant") {
        return invalid_field(
            "invalid value for '" + join_param(path, "role") + "': '" + *role + "'; expected user or assistant",
            join_param(path, "role"));
    }
    const json* content = member(message, "content");
    const std::string at = join_param(path, "content");
    if (content == nullptr) {
        return invalid_field("'" + at + "' is required", at);
    }
    if (content->is_string()) {
        out_.push({{"role", *role}, {"content", *content}});
        return {};
    }
    if (!content->is_array()) {
        return wrong_type(at, "a string or an array of content blocks", *content);
    }
    return *role == "user" ? add_user(*content, at) : add_assistant(*content, at);
}

Result<void> MessageTranslator::add_tool_result(const json& block, const std::string& path) {
    Result<std::string> id = required_string(block, path, "tool_use_id");
    if (!id) {
        return id.error();
    }
    std::string text;
    if (const json* content = member(block, "content"); content != nullptr) {
        Result<std::string> read = text_of(*content, join_param(path, "content"));
        if (!read) {
            return read.error();
        }
        text = std::move(*read);
    }
    out_.push_tool_result(*id, std::move(text));
    return {};
}

// Tool results answer the previous assistant turn, so they come first, as the tool messages OpenAI expects
// right after the calls; the user's own text and images follow as one user message.
Result<void> MessageTranslator::add_user(const json& blocks, const std::string& path) {
    json parts = json::array();
    for (size_t i = 0; i < blocks.size(); ++i) {
        const std::string at = element_param(path, i);
        const json& block = blocks[i];
        if (!block.is_object()) {
            return wrong_type(at, "a content block object", block);
        }
        Result<std::string> type = required_string(block, at, "type");
        if (!type) {
            return type.error();
        }
        Result<void> done = {};
        if (*type == "text") {
            Result<std::string> text = required_string(block, at, "text");
            done = text ? Result<void>{} : Result<void>{text.error()};
            if (text) {
                parts.push_back({{"type", "text"}, {"text", *text}});
            }
        } else if (*type == "image") {
            Result<std::string> url = image_url(block, at);
            done = url ? Result<void>{} : Result<void>{url.error()};
            if (url) {
                parts.push_back({{"type", "image_url"}, {"image_url", {{"url", *url}}}});
            }
        } else if (*type == "tool_result") {
            done = add_tool_result(block, at);
        } else {
            done = make_error(ErrorCode::UNSUPPORTED,
                              "'" + join_param(at, "type") + "': '" + *type +
                                  "' blocks are not supported in user messages (text, image, tool_result)",
                              join_param(at, "type"));
        }
        if (!done) {
            return done.error();
        }
    }
    if (!parts.empty() || blocks.empty()) {
        out_.push({{"role", "user"}, {"content", std::move(parts)}});
    }
    return {};
}

Result<void> MessageTranslator::add_assistant(const json& blocks, const std::string& path) {
    std::string text;
    std::string thinking;
    json calls = json::array();
    for (size_t i = 0; i < blocks.size(); ++i) {
        const std::string at = element_param(path, i);
        if (!blocks[i].is_object()) {
            return wrong_type(at, "a content block object", blocks[i]);
        }
        Result<std::string> type = required_string(blocks[i], at, "type");
        Result<std::string> value = std::string();
        if (!type) {
            return type.error();
        }
        if (*type == "text" || *type == "thinking") {
            value = required_string(blocks[i], at, *type);
            (*type == "text" ? text : thinking) += value ? *value : "";
        } else if (*type == "tool_use") {
            Result<std::string> id = required_string(blocks[i], at, "id");
            value = id ? required_string(blocks[i], at, "name") : id;
            const json* input = member(blocks[i], "input");
            if (value && input != nullptr && !input->is_object()) {
                return wrong_type(join_param(at, "input"), "an object", *input);
            }
            if (value) {
                out_.note_call(*id, *value);
                const std::string arguments = input != nullptr ? dump_ordered(*input) : "{}";
                calls.push_back(
                    {{"id", *id}, {"type", "function"}, {"function", {{"name", *value}, {"arguments", arguments}}}});
            }
        } else if (*type != "redacted_thinking") {  // encrypted thinking of another model: nothing to show ours
            return make_error(ErrorCode::UNSUPPORTED,
                              "'" + join_param(at, "type") + "': '" + *type +
                                  "' blocks are not supported in assistant messages (text, thinking, tool_use)",
                              join_param(at, "type"));
        }
        if (!value) {
            return value.error();
        }
    }
    json message = {{"role", "assistant"}, {"content", text}};
    if (!thinking.empty()) {
        message["reasoning_content"] = thinking;
    }
    if (!calls.empty()) {
        message["tool_calls"] = std::move(calls);
    }
    out_.push(std::move(message));
    return {};
}

}  // namespace

namespace {

Result<json> translate_tools(const json& tools) {
    json out = json::array();
    Result<void> read = for_each_object(
        tools, "tools", "an array of tools", [&out](const json& tool, const std::string& at) -> Result<void> {
            // Anthropic's server tools (web search, code execution, ...) carry a versioned type; custom tools none.
            const json* type = member(tool, "type");
            if (type != nullptr && *type != "custom") {
                return make_error(
                    ErrorCode::UNSUPPORTED,
                    "'" + join_param(at, "type") + "': only custom tools (with an input_schema) are supported",
                    join_param(at, "type"));
            }
            Result<std::string> name = required_string(tool, at, "name");
            if (!name) {
                return name.error();
            }
            const json* schema = member(tool, "input_schema");
            if (schema == nullptr || !schema->is_object()) {
                const std::string param = join_param(at, "input_schema");
                return schema == nullptr ? invalid_field("'" + param + "' is required", param)
                                         : wrong_type(param, "a JSON schema object", *schema);
            }
            json function = {{"name", *name}, {"parameters", *schema}};
            if (const json* description = member(tool, "description"); description != nullptr) {
                function["description"] = *description;
            }
            out.push_back({{"type", "function"}, {"function", std::move(function)}});
            return {};
        });
    if (!read) {
        return read.error();
    }
    return out;
}

// tool_choice as OpenAI's; `parallel` set false by disable_parallel_tool_use.
Result<json> translate_tool_choice(const json& choice, std::optional<bool>& parallel) {
    if (!choice.is_object()) {
        return wrong_type("tool_choice", "an object", choice);
    }
    Result<std::string> type = required_string(choice, "tool_choice", "type");
    if (!type) {
        return type.error();
    }
    if (const json* disable = member(choice, "disable_parallel_tool_use"); disable != nullptr) {
        if (!disable->is_boolean()) {
            return wrong_type("tool_choice.disable_parallel_tool_use", "a boolean", *disable);
        }
        parallel = !disable->get<bool>();
    }
    if (*type == "auto" || *type == "none") {
        return json(*type);
    }
    if (*type == "any") {
        return json("required");
    }
    if (*type != "tool") {
        return invalid_field("invalid value for 'tool_choice.type': '" + *type + "'; expected auto, any, tool or none",
                             "tool_choice.type");
    }
    Result<std::string> name = required_string(choice, "tool_choice", "name");
    if (!name) {
        return name.error();
    }
    return json{{"type", "function"}, {"function", {{"name", *name}}}};
}

Result<json> translate_messages(const json& body) {
    MessageTranslator messages;
    if (const json* system = member(body, "system"); system != nullptr) {
        Result<std::string> text = text_of(*system, "system");
        if (!text) {
            return text.error();
        }
        messages.add_system(std::move(*text));
    }
    const json* list = member(body, "messages");
    if (list == nullptr) {
        return invalid_field("'messages' is required", "messages");
    }
    if (!list->is_array()) {
        return wrong_type("messages", "an array of messages", *list);
    }
    if (list->empty()) {
        return invalid_field("'messages' must contain at least one message", "messages");
    }
    for (size_t i = 0; i < list->size(); ++i) {
        if (Result<void> added = messages.add((*list)[i], element_param("messages", i)); !added) {
            return added.error();
        }
    }
    return messages.take();
}

// Sampling and limits, under OpenAI's names; the chat parser checks their types and ranges.
Result<void> copy_sampling(const json& body, MessagesBody kind, json& out) {
    const json* max_tokens = member(body, "max_tokens");
    if (max_tokens == nullptr && kind == MessagesBody::CREATE) {
        return invalid_field("'max_tokens' is required", "max_tokens");
    }
    for (const char* key : {"max_tokens", "temperature", "top_p", "top_k"}) {
        if (const json* value = member(body, key);
            value != nullptr && (kind == MessagesBody::CREATE || std::string_view(key) != "max_tokens")) {
            out[key] = *value;
        }
    }
    // Anthropic's temperature runs from 0 to 1.
    if (const json* t = member(body, "temperature"); t != nullptr && t->is_number() && t->get<double>() > 1.0) {
        return invalid_field("'temperature' must be between 0 and 1, got " + dump_ordered(*t), "temperature");
    }
    if (const json* stops = member(body, "stop_sequences"); stops != nullptr) {
        if (!stops->is_array()) {
            return wrong_type("stop_sequences", "an array of strings", *stops);
        }
        out["stop"] = *stops;
    }
    if (const json* stream = member(body, "stream"); stream != nullptr && kind == MessagesBody::CREATE) {
        out["stream"] = *stream;
    }
    return {};
}

Result<void> copy_thinking(const json& body, json& out) {
    Result<const json*> thinking = optional_object(body, "", "thinking");
    if (!thinking || *thinking == nullptr) {
        return thinking ? Result<void>{} : Result<void>{thinking.error()};
    }
    Result<std::string> type = required_string(**thinking, "thinking", "type");
    if (!type) {
        return type.error();
    }
    if (*type != "enabled" && *type != "disabled" && *type != "adaptive") {
        return invalid_field("invalid value for 'thinking.type': '" + *type + "'; expected enabled or disabled",
                             "thinking.type");
    }
    out["chat_template_kwargs"] = {{"enable_thinking", *type != "disabled"}};
    return {};
}

// Without tools, tool_choice "none" and "auto" mean the same; OpenAI's rules refuse only the others.
Result<void> copy_tools(const json& body, json& out) {
    std::optional<bool> parallel;
    Result<void> tools = copy_translated(body, "tools", out, "tools", translate_tools);
    Result<void> done =
        tools ? copy_translated(body, "tool_choice", out, "tool_choice",
                                [&parallel](const json& choice) { return translate_tool_choice(choice, parallel); })
              : tools;
    if (done && parallel) {
        out["parallel_tool_calls"] = *parallel;
    }
    return done;
}

}  // namespace

Result<json> messages_to_chat_body(std::string_view body, MessagesBody kind) {
    Result<json> ordered = parse_ordered_object(body);
    if (!ordered) {
        return ordered.error();
    }
    const json& parsed = *ordered;
    json out = json::object();
    if (const json* model = member(parsed, "model"); model != nullptr) {
        out["model"] = *model;
    }
    Result<json> messages = translate_messages(parsed);
    if (!messages) {
        return messages.error();
    }
    out["messages"] = std::move(*messages);
    for (auto step : {copy_sampling(parsed, kind, out), copy_thinking(parsed, out), copy_tools(parsed, out)}) {
        if (!step) {
            return step.error();
        }
    }
    if (const json* metadata = member(parsed, "metadata"); metadata != nullptr && metadata->is_object()) {
        if (const json* user = member(*metadata, "user_id"); user != nullptr) {
            out["user"] = *user;
        }
    }
    return out;
}

Result<ChatParams> messages_params_from_body(std::string_view body, MessagesBody kind, const RequestLimits& limits) {
    Result<json> chat = messages_to_chat_body(body, kind);
    if (!chat) {
        return chat.error();
    }
    return chat_params_from_body(dump_ordered(*chat), limits);
}

}  // namespace hearth::api
