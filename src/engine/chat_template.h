#pragma once
// The model's own chat template (GGUF tokenizer.chat_template), rendered by llama.cpp common's Jinja
// engine exactly as llama-server --jinja renders it. Parsed once at load; apply() is const and keeps no
// shared mutable state, so it is safe from any thread.

#include <map>
#include <string>
#include <vector>

#include "engine/c_handles.h"
#include "util/result.h"

namespace hearth::engine {

struct ChatMessage {
    std::string role;  // "system", "user", "assistant", "tool", ... as the template knows them
    std::string content;
};

class ChatTemplate {
public:
    // Never fails: a model without a template, or with one that does not parse, gives an unavailable
    // template whose apply() explains why.
    static ChatTemplate from_model(const llama_model* model);

    bool available() const { return templates_ != nullptr; }

    // The rendered prompt. Tokenize it with add_special=true and parse_special=true, as llama-server does:
    // common already dropped a leading BOS (trailing EOS) text when the tokenizer adds that token itself.
    // kwargs are extra template variables, each value JSON-encoded ("true", "\"high\""); "enable_thinking"
    // must be a JSON boolean, as in llama-server.
    // Errors: UNSUPPORTED when the model has no usable template; INVALID_ARGUMENT when a kwarg is not
    // JSON or the template raises while rendering (the template's message is kept).
    Result<std::string> apply(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                              const std::map<std::string, std::string>& kwargs) const;

private:
    chat_templates_ptr templates_;
    std::string unavailable_reason_;
};

}  // namespace hearth::engine
