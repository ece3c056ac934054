#pragma once
// POST /v1/embeddings and POST /v1/rerank response bodies: OpenAI's embeddings list (float arrays or base64
// of little-endian float32, as the openai SDKs decode it) and the rerank results Jina, Cohere and
// llama-server clients read (index, relevance_score, optional document, usage).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/api_reply.h"
#include "api/embeddings_request.h"

namespace hearth::api {

// The vector a client gets from a pooled output: its first `dimensions` values (all when unset), then
// L2-normalized when `normalize` (a zero vector stays zero).
std::vector<float> finish_embedding(std::vector<float> pooled, std::optional<int32_t> dimensions, bool normalize);

// Base64 of the floats' little-endian IEEE-754 bytes.
std::string base64_floats(const std::vector<float>& values);

ApiReply embeddings_reply(const std::string& model, const std::vector<std::vector<float>>& vectors, bool base64,
                          int32_t prompt_tokens);

// scores[i] belongs to params.documents[i]. Results are sorted by score, highest first (ties keep the
// documents' order), and cut to top_n.
ApiReply rerank_reply(const RerankParams& params, const std::vector<float>& scores, int32_t prompt_tokens);

}  // namespace hearth::api
