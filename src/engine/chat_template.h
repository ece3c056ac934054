#pragma once
// The model's own chat template (GGUF tokenizer.chat_template), rendered by llama.cpp common's Jinja
// engine exactly as llama-server --jinja renders it. Parsed once at load; apply() is const and keeps no
// shared mutable state, so it is safe from any thread.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/chat_output.h"
#include "engine/c_handles.h"
#include "engine/llama_grammar.h"
#include "util/result.h"

namespace hearth::engine {

struct ChatMessage {
    ChatMessage() = default;
    ChatMessage(std::string role_name, std::string text) : role(std::move(role_name)), content(std::move(text)) {}

    std::string role;  // "system", "user", "assistant", "tool", ... as the template knows them
    std::string content;
    std::string reasoning_content;           // an earlier assistant turn's thinking
    std::vector<core::ToolCall> tool_calls;  // an earlier assistant turn's calls (arguments: JSON text)
    std::string tool_call_id;                // tool messages: the call this answers
    std::string tool_name;                   // tool messages: the function that answered, when known
};

struct ChatTool {
    std::string name;
    std::string description;
    std::string parameters;  // JSON schema text
};

enum class ToolChoice { AUTO, NONE, REQUIRED };

struct ChatRequest {
    std::vector<ChatMessage> messages;
    bool add_generation_prompt = true;
    // Extra template variables, each value JSON-encoded ("true", "\"high\""); "enable_thinking" must be
    // a JSON boolean, as in llama-server.
    std::map<std::string, std::string> kwargs;
    std::vector<ChatTool> tools;
    ToolChoice tool_choice = ToolChoice::AUTO;
    std::string forced_tool;                  // non-empty: the grammar allows a call of this tool only
    std::optional<bool> parallel_tool_calls;  // unset: what the template supports
    std::string json_schema;                  // response_format: the output must be JSON of this schema
    bool extract_reasoning = true;            // thinking goes to reasoning_content, not content
};

// How to read the generated text back (the model's chat format); opaque outside the engine.
struct ChatParserSpec {
    int format = 0;
    int reasoning_format = 0;
    std::string generation_prompt;
    std::string parser;  // llama.cpp common's serialized PEG parser
};

// A rendered request: the prompt and everything generation and parsing need to honour tools, tool_choice,
// response_format and reasoning.
struct ChatPrompt {
    std::string prompt;
    GrammarRequest grammar;  // gbnf empty: unconstrained
    std::vector<std::string> additional_stops;
    ChatParserSpec parser;
};

class ChatTemplate {
public:
    // Never fails: a model without a template, or with one that does not parse, gives an unavailable
    // template whose apply() explains why.
    static ChatTemplate from_model(const llama_model* model);

    bool available() const { return templates_ != nullptr; }

    // The prompt and its constraints. Named tool_choice renders every tool (the model sees them all) but takes
    // the grammar and parser of a request holding the named tool alone, required.
    // Errors: UNSUPPORTED when the model has no usable template; INVALID_ARGUMENT when a kwarg is not JSON, a
    // tool's parameters or the json_schema cannot be turned into a grammar, or the template raises (the
    // message names the reason).
    Result<ChatPrompt> render(const ChatRequest& request) const;

    // The rendered prompt alone (render() without tools). Tokenize it with add_special=true and parse_special=true, as
    // llama-server does: common already dropped a leading BOS (trailing EOS) text when the tokenizer adds that token
    // itself. kwargs are extra template variables, each value JSON-encoded ("true", "\"high\""); "enable_thinking" must
    // be a JSON boolean, as in llama-server. Errors: UNSUPPORTED when the model has no usable template;
    // INVALID_ARGUMENT when a kwarg is not JSON or the template raises while rendering (the template's message is
    // kept).
    Result<std::string> apply(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                              const std::map<std::string, std::string>& kwargs) const;

private:
    chat_templates_ptr templates_;
    std::string unavailable_reason_;
};

}  // namespace hearth::engine
