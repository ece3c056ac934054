#include "server/chat_preparation.h"

#include "api/completions_response.h"
#include "engine/chat_output_parser.h"

namespace hearth::server {

namespace {

engine::ToolChoice to_engine(api::ToolChoiceMode mode) {
    switch (mode) {
        case api::ToolChoiceMode::NONE: return engine::ToolChoice::NONE;
        case api::ToolChoiceMode::REQUIRED:
        case api::ToolChoiceMode::FUNCTION: return engine::ToolChoice::REQUIRED;
        case api::ToolChoiceMode::AUTO: break;
    }
    return engine::ToolChoice::AUTO;
}

engine::ChatRequest to_engine(const api::ChatParams& params) {
    engine::ChatRequest request;
    for (const api::ChatMessage& m : params.messages) {
        engine::ChatMessage message(m.role, m.content);
        message.reasoning_content = m.reasoning_content;
        message.tool_calls = m.tool_calls;
        message.tool_call_id = m.tool_call_id;
        // A tool message's name (when sent) is the function that answered.
        message.tool_name = m.role == "tool" ? m.name : std::string();
        request.messages.push_back(std::move(message));
    }
    request.kwargs = params.chat_template_kwargs;
    const api::ChatToolFields& fields = params.tool_fields;
    for (const api::ToolDefinition& tool : fields.tools) {
        request.tools.push_back({tool.name, tool.description, tool.parameters});
    }
    const api::ToolChoice choice = fields.tool_choice.value_or(api::ToolChoice{});
    request.tool_choice = to_engine(choice.mode);
    if (choice.mode == api::ToolChoiceMode::FUNCTION) {
        request.forced_tool = choice.function;
    }
    request.parallel_tool_calls = fields.parallel_tool_calls;
    if (fields.response_format.type != api::ResponseFormatType::TEXT) {
        request.json_schema = fields.response_format.schema;
    }
    request.extract_reasoning = fields.extract_reasoning;
    return request;
}

// The engine names the problem (llama.cpp's grammar builder says "JSON schema ..."); the client also needs
// to know which of its fields caused it, without the template machinery's words around it.
Error with_param(Error error, const api::ChatParams& params) {
    const size_t schema = error.message.find("JSON schema");
    if (error.param.empty() && schema != std::string::npos) {
        const bool formatted = params.tool_fields.response_format.type != api::ResponseFormatType::TEXT;
        error.param = formatted ? "response_format" : "tools";
        error.message = (formatted ? "The response_format schema cannot be enforced: "
                                   : "A tool's parameters schema cannot be enforced: ") +
                        error.message.substr(schema);
    }
    return error;
}

}  // namespace

Result<std::vector<int32_t>> tokenize_rendered(const engine::LlamaTextEngine& engine, const std::string& text) {
    const int32_t bos = engine.bos();
    const bool has_bos_text = bos >= 0 && text.rfind(engine.token_to_piece(bos, true), 0) == 0;
    return engine.tokenize(text, !has_bos_text, true);
}

Result<PreparedChat> prepare_chat(const engine::LlamaTextEngine& engine, const api::ChatParams& params) {
    Result<engine::ChatPrompt> rendered = engine.render_chat(to_engine(params));
    if (!rendered) {
        return with_param(rendered.error(), params);
    }
    PreparedChat out;
    Result<std::vector<int32_t>> prompt = tokenize_rendered(engine, rendered->prompt);
    if (!prompt) {
        return prompt.error();
    }
    out.prompt = std::move(prompt).value();
    Result<core::GrammarConstraint> grammar = engine.resolve_grammar(rendered->grammar);
    if (!grammar) {
        return with_param(grammar.error(), params);
    }
    out.grammar = std::move(grammar).value();
    out.preserved_tokens = engine.preserved_token_ids(rendered->grammar.preserved_tokens);
    out.additional_stops = rendered->additional_stops;
    for (uint32_t i = 0; i < std::max<uint32_t>(1, params.options.n); ++i) {
        auto parser = engine::make_chat_output_parser(rendered->parser, [] { return api::new_tool_call_id(); });
        if (!parser) {
            return parser.error();
        }
        out.parsers.push_back(std::move(parser).value());
    }
    return out;
}

}  // namespace hearth::server
