#include "server/chat_preparation.h"

#include <algorithm>

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

// The message's text with the projector's marker where each image part sat.
std::string with_markers(const api::ChatMessage& m, const std::string& marker) {
    std::string out = m.content;
    for (auto it = m.media.rbegin(); it != m.media.rend(); ++it) {
        out.insert(std::min(it->offset, out.size()), marker);
    }
    return out;
}

size_t count_images(const api::ChatParams& params) {
    size_t n = 0;
    for (const api::ChatMessage& m : params.messages) {
        n += m.media.size();
    }
    return n;
}

engine::ChatRequest to_engine(const api::ChatParams& params, const std::string& marker) {
    engine::ChatRequest request;
    for (const api::ChatMessage& m : params.messages) {
        engine::ChatMessage message(m.role, m.media.empty() ? m.content : with_markers(m, marker));
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

// Whether tokenizing may add BOS: not when the rendered text already starts with it.
bool add_bos(const engine::LlamaTextEngine& engine, const std::string& text) {
    const int32_t bos = engine.bos();
    return bos < 0 || text.rfind(engine.token_to_piece(bos, true), 0) != 0;
}

}  // namespace

Result<std::vector<int32_t>> tokenize_rendered(const engine::LlamaTextEngine& engine, const std::string& text) {
    return engine.tokenize(text, add_bos(engine, text), true);
}

Result<void> check_vision(const engine::LlamaTextEngine& engine, const api::ChatParams& params) {
    if (count_images(params) == 0 || (engine.projector() != nullptr && engine.projector()->vision())) {
        return {};
    }
    return make_error(ErrorCode::UNSUPPORTED,
                      "The model '" + params.options.model +
                          "' does not accept images: it has no vision projector (mmproj). Send text, or use a "
                          "vision model",
                      "messages");
}

namespace {

// The prompt's cells: its tokens, and each image's cells where its marker sits.
Result<void> tokenize_prompt(const engine::LlamaTextEngine& engine, const std::string& text,
                             const std::vector<std::string>& images, PreparedChat& out) {
    if (images.empty()) {
        Result<std::vector<int32_t>> prompt = tokenize_rendered(engine, text);
        if (!prompt) {
            return prompt.error();
        }
        out.prompt = std::move(prompt).value();
        return {};
    }
    Result<engine::MediaPrompt> prompt = engine.projector()->tokenize(text, images, add_bos(engine, text));
    if (!prompt) {
        return make_error(prompt.error().code, prompt.error().message, "messages");
    }
    if (!prompt->tokens.empty() && core::is_media_placeholder(prompt->tokens.back())) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the prompt cannot end with an image", "messages");
    }
    for (const core::PromptMedia& item : prompt->media) {
        if (item.whole && item.n_tokens > engine.n_whole_media()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "this model's images take " + std::to_string(item.n_tokens) +
                                  " cells decoded in one pass, and it was loaded with a batch of " +
                                  std::to_string(engine.n_whole_media()) +
                                  ": load it with --batch-size and --ubatch-size of at least " +
                                  std::to_string(item.n_tokens),
                              "messages");
        }
    }
    out.prompt = std::move(prompt->tokens);
    out.media = std::move(prompt->media);
    return {};
}

}  // namespace

Result<PreparedChat> prepare_chat(const engine::LlamaTextEngine& engine, const api::ChatParams& params,
                                  const std::vector<std::string>& images) {
    if (auto vision = check_vision(engine, params); !vision) {
        return vision.error();
    }
    if (images.size() != count_images(params)) {
        return make_error(ErrorCode::INTERNAL, "the messages' images were not all fetched");
    }
    const std::string marker = engine.projector() != nullptr ? engine.projector()->marker() : std::string();
    Result<engine::ChatPrompt> rendered = engine.render_chat(to_engine(params, marker));
    if (!rendered) {
        return with_param(rendered.error(), params);
    }
    PreparedChat out;
    if (auto tokenized = tokenize_prompt(engine, rendered->prompt, images, out); !tokenized) {
        return tokenized.error();
    }
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
