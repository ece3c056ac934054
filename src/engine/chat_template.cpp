// With chat_output_parser.cpp, the only files that include llama.cpp common's chat API. common uses
// nlohmann/json internally, but its headers expose only common_json (a pimpl), so the engine still never sees
// JSON types: schemas and tool arguments cross as JSON text.

#include "engine/chat_template.h"

#include <chat.h>

#include <algorithm>
#include <exception>

namespace hearth::engine {

namespace {

// llama-server reads "enable_thinking" out of the kwargs into its own input; mirror that so templates that
// test enable_thinking behave the same here.
Result<void> apply_enable_thinking(const std::map<std::string, std::string>& kwargs,
                                   common_chat_templates_inputs& inputs) {
    const auto it = kwargs.find("enable_thinking");
    if (it == kwargs.end()) {
        return {};
    }
    if (it->second == "true" || it->second == "false") {
        inputs.enable_thinking = it->second == "true";
        return {};
    }
    return make_error(ErrorCode::INVALID_ARGUMENT, "chat_template_kwargs.enable_thinking must be a boolean",
                      "chat_template_kwargs");
}

common_chat_msg to_common(const ChatMessage& m) {
    common_chat_msg msg;
    msg.role = m.role;
    msg.content = m.content;
    msg.reasoning_content = m.reasoning_content;
    msg.tool_call_id = m.tool_call_id;
    msg.tool_name = m.tool_name;
    for (const core::ToolCall& call : m.tool_calls) {
        msg.tool_calls.push_back({call.name, call.arguments, call.id});
    }
    return msg;
}

common_chat_tool_choice to_common(ToolChoice choice) {
    switch (choice) {
        case ToolChoice::NONE: return COMMON_CHAT_TOOL_CHOICE_NONE;
        case ToolChoice::REQUIRED: return COMMON_CHAT_TOOL_CHOICE_REQUIRED;
        case ToolChoice::AUTO: break;
    }
    return COMMON_CHAT_TOOL_CHOICE_AUTO;
}

Result<common_chat_templates_inputs> make_inputs(const common_chat_templates* templates, const ChatRequest& request) {
    common_chat_templates_inputs inputs;
    inputs.use_jinja = true;
    inputs.add_generation_prompt = request.add_generation_prompt;
    inputs.chat_template_kwargs = request.kwargs;
    if (auto thinking = apply_enable_thinking(request.kwargs, inputs); !thinking) {
        return thinking.error();
    }
    inputs.messages.reserve(request.messages.size());
    for (const ChatMessage& m : request.messages) {
        inputs.messages.push_back(to_common(m));
    }
    for (const ChatTool& tool : request.tools) {
        inputs.tools.push_back({tool.name, tool.description, tool.parameters.empty() ? "{}" : tool.parameters});
    }
    inputs.tool_choice =
        request.forced_tool.empty() ? to_common(request.tool_choice) : COMMON_CHAT_TOOL_CHOICE_REQUIRED;
    // OpenAI's default is parallel calls allowed; a template that cannot render them decides otherwise.
    inputs.parallel_tool_calls =
        request.parallel_tool_calls.value_or(common_chat_templates_get_caps(templates)["supports_parallel_tool_calls"]);
    inputs.json_schema = request.json_schema;
    // DEEPSEEK: thinking into reasoning_content, streamed as such (llama-server's default).
    inputs.reasoning_format =
        request.extract_reasoning ? COMMON_REASONING_FORMAT_DEEPSEEK : COMMON_REASONING_FORMAT_NONE;
    return inputs;
}

TriggerKind to_trigger_kind(common_grammar_trigger_type type) {
    switch (type) {
        case COMMON_GRAMMAR_TRIGGER_TYPE_TOKEN: return TriggerKind::TOKEN;
        case COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN: return TriggerKind::PATTERN;
        case COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN_FULL: return TriggerKind::PATTERN_FULL;
        case COMMON_GRAMMAR_TRIGGER_TYPE_WORD: break;
    }
    return TriggerKind::WORD;
}

void fill_constraints(const common_chat_params& rendered, const common_chat_templates_inputs& inputs, ChatPrompt& out) {
    const bool required = !inputs.tools.empty() && inputs.tool_choice == COMMON_CHAT_TOOL_CHOICE_REQUIRED;
    out.grammar.gbnf = required && !rendered.grammar_lazy
                           ? tighten_tool_grammar(rendered.grammar, inputs.parallel_tool_calls)
                           : rendered.grammar;
    out.grammar.lazy = rendered.grammar_lazy;
    for (const common_grammar_trigger& trigger : rendered.grammar_triggers) {
        out.grammar.triggers.push_back({to_trigger_kind(trigger.type), trigger.value, trigger.token});
    }
    out.grammar.preserved_tokens = rendered.preserved_tokens;
    out.grammar.generation_prompt = rendered.generation_prompt;
    if (rendered.supports_thinking && inputs.reasoning_format != COMMON_REASONING_FORMAT_NONE) {
        out.grammar.thinking_start_tag = rendered.thinking_start_tag;
        out.grammar.thinking_end_tags = rendered.thinking_end_tags;
    }
    out.additional_stops = rendered.additional_stops;
    out.parser.format = static_cast<int>(rendered.format);
    out.parser.reasoning_format = static_cast<int>(inputs.reasoning_format);
    out.parser.generation_prompt = rendered.generation_prompt;
    out.parser.parser = rendered.parser;
}

}  // namespace

ChatTemplate ChatTemplate::from_model(const llama_model* model) {
    ChatTemplate out;
    if (model == nullptr) {
        out.unavailable_reason_ = "no model";
        return out;
    }
    try {
        chat_templates_ptr templates(common_chat_templates_init(model, "").release());
        // Without a template in the file, common falls back to ChatML; a base model must not pretend to chat.
        if (!common_chat_templates_was_explicit(templates.get())) {
            out.unavailable_reason_ = "this model has no chat template (tokenizer.chat_template is not in the file)";
            return out;
        }
        out.templates_ = std::move(templates);
    } catch (const std::exception& e) {
        out.unavailable_reason_ = std::string("this model's chat template cannot be parsed: ") + e.what();
    } catch (...) {
        out.unavailable_reason_ = "this model's chat template cannot be parsed";
    }
    return out;
}

Result<std::string> ChatTemplate::apply(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                                        const std::map<std::string, std::string>& kwargs) const {
    ChatRequest request;
    request.messages = messages;
    request.add_generation_prompt = add_generation_prompt;
    request.kwargs = kwargs;
    Result<ChatPrompt> prompt = render(request);
    if (!prompt) {
        return prompt.error();
    }
    return std::move(prompt->prompt);
}

Result<ChatPrompt> ChatTemplate::render(const ChatRequest& request) const {
    if (!available()) {
        return make_error(ErrorCode::UNSUPPORTED, unavailable_reason_);
    }
    Result<common_chat_templates_inputs> inputs = make_inputs(templates_.get(), request);
    if (!inputs) {
        return inputs.error();
    }
    // Both a kwarg that is not JSON and a template's raise_exception() surface as exceptions, and so does a
    // schema the grammar builder cannot express: they are the request's fault, never the server's.
    try {
        common_chat_params rendered = common_chat_templates_apply(templates_.get(), *inputs);
        ChatPrompt out;
        out.prompt = std::move(rendered.prompt);
        if (!request.forced_tool.empty()) {
            // The model sees every tool; the grammar and the parser know the forced one only.
            inputs->tools.erase(std::remove_if(inputs->tools.begin(), inputs->tools.end(),
                                               [&](const auto& tool) { return tool.name != request.forced_tool; }),
                                inputs->tools.end());
            inputs->tool_choice = COMMON_CHAT_TOOL_CHOICE_REQUIRED;
            rendered = common_chat_templates_apply(templates_.get(), *inputs);
        }
        // Fail closed: a template without a tool-call format has no grammar to force a call with.
        if (!inputs->tools.empty() && inputs->tool_choice == COMMON_CHAT_TOOL_CHOICE_REQUIRED &&
            rendered.grammar.empty()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "this model's chat template has no tool-call format, so a tool call cannot be required",
                              "tool_choice");
        }
        fill_constraints(rendered, *inputs, out);
        return out;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INVALID_ARGUMENT, std::string("chat template: ") + e.what());
    } catch (...) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "chat template: rendering failed");
    }
}

}  // namespace hearth::engine
