#pragma once
// A chat request made ready for the scheduler: the model's template renders the messages with the tools,
// tool_choice, response_format and reasoning settings; its vocabulary tokenizes the prompt and resolves the
// grammar (compiled here, so that a schema or grammar that cannot be enforced is a 400 before anything is
// queued); one output parser per choice reads the text back as the model's chat format.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/completions_request.h"
#include "core/chat_output.h"
#include "core/sampling_params.h"
#include "engine/llama_text_engine.h"
#include "util/result.h"

namespace hearth::server {

struct PreparedChat {
    std::vector<int32_t> prompt;  // with media placeholders for the images' cells
    std::vector<core::PromptMedia> media;
    core::GrammarConstraint grammar;
    std::vector<int32_t> preserved_tokens;
    std::vector<std::string> additional_stops;
    std::vector<std::unique_ptr<core::ChatOutputParser>> parsers;  // one per choice
};

// images: the bytes of the messages' image parts, in order (resolve_media); the model's projector makes them
// prompt cells where the parts sat among the text.
// Errors: INVALID_ARGUMENT naming the field (a schema or tool that cannot be turned into a grammar, a template
// that refuses the messages, an image that does not decode), UNSUPPORTED (no usable template; images for a
// model without a vision projector).
Result<PreparedChat> prepare_chat(const engine::LlamaTextEngine& engine, const api::ChatParams& params,
                                  const std::vector<std::string>& images = {});

// Images sent to a model that cannot see them: UNSUPPORTED naming the model; ok when there are none or it can.
Result<void> check_vision(const engine::LlamaTextEngine& engine, const api::ChatParams& params);

// Tokenizes a rendered prompt, adding BOS only when the text does not already start with it.
Result<std::vector<int32_t>> tokenize_rendered(const engine::LlamaTextEngine& engine, const std::string& text);

}  // namespace hearth::server
