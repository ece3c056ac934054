#pragma once
// Runs one OpenAI generation request against a loaded text model: bounds it by the context, submits one
// scheduler request per choice, and turns the events into a response, whole or streamed (SSE). The formatter
// (api::ChatCompletionFormatter or api::TextCompletionFormatter) owns the wire format.

#include <memory>
#include <vector>

#include "api/completions_request.h"
#include "http/http_types.h"
#include "registry/text_model.h"

namespace hearth::server {

struct PreparedGeneration {
    std::shared_ptr<registry::TextModel> model;
    std::vector<int32_t> prompt;
    api::GenerationOptions options;
    std::vector<int32_t> preserved_tokens;  // chat: special tokens the output parser must see as text
    std::vector<core::PromptMedia> media;   // chat: the images among the prompt's cells
};

// Checks the prompt and max_tokens against the model's context (never truncates) and logit_bias against its
// vocabulary, and a draft_model speculation against the model; fills max_tokens when the request left it open.
Result<void> bound_by_context(PreparedGeneration& generation);

// A whole response stops (and frees its slots) once request.client_gone(); a stream once its writer reports
// the client gone.
template <typename Formatter>
http::HttpResponse run_generation(PreparedGeneration generation, std::shared_ptr<Formatter> formatter,
                                  const http::HttpRequest& request);

}  // namespace hearth::server
