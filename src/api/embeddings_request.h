#pragma once
// POST /v1/embeddings and POST /v1/rerank bodies → typed, checked requests. Shapes, types and ranges are
// checked here; what needs the model (token ids within its vocabulary, inputs within its context, dimensions
// within its width) is checked by the server layer. Every client mistake is INVALID_ARGUMENT with `param`
// naming the field. Unknown fields are ignored.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/result.h"

namespace hearth::api {

// OpenAI's own limit on inputs per embeddings request; also bounds rerank documents.
inline constexpr size_t DEFAULT_MAX_EMBEDDING_INPUTS = 2048;

struct EmbeddingLimits {
    size_t max_inputs = DEFAULT_MAX_EMBEDDING_INPUTS;
};

// One input: text, or token ids the client tokenized itself.
using EmbeddingInput = std::variant<std::string, std::vector<int32_t>>;

struct EmbeddingsParams {
    std::string model;
    std::vector<EmbeddingInput> inputs;  // never empty; no input is empty
    bool base64 = false;                 // encoding_format "base64" (the openai SDKs' default) or "float"
    std::optional<int32_t> dimensions;   // keep the first N values, then re-normalize
    bool normalize = true;               // extension: false returns the pooled vectors as they are
    bool truncate = false;               // extension: cut inputs beyond the context instead of a 400
};

struct RerankParams {
    std::string model;
    std::string query;                   // never empty
    std::vector<std::string> documents;  // never empty; strings or {"text": ...} objects
    std::optional<size_t> top_n;         // at least 1; more than the documents means all
    bool return_documents = false;
    bool truncate = false;
};

Result<EmbeddingsParams> embeddings_params_from_body(std::string_view body, const EmbeddingLimits& limits = {});
Result<RerankParams> rerank_params_from_body(std::string_view body, const EmbeddingLimits& limits = {});

}  // namespace hearth::api
