#include "api/embeddings_response.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>

#include "api/completions_response.h"

namespace hearth::api {

using nlohmann::json;

namespace {

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json usage(int32_t prompt_tokens) {
    return {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}};
}

}  // namespace

std::vector<float> finish_embedding(std::vector<float> pooled, std::optional<int32_t> dimensions, bool normalize) {
    if (dimensions && static_cast<size_t>(*dimensions) < pooled.size()) {
        pooled.resize(static_cast<size_t>(*dimensions));
    }
    if (normalize) {
        double sum = 0.0;  // in double, as llama.cpp's common_embd_normalize does
        for (float v : pooled) {
            sum += static_cast<double>(v) * v;
        }
        const double norm = std::sqrt(sum);
        const float scale = norm > 0.0 ? static_cast<float>(1.0 / norm) : 0.0f;
        for (float& v : pooled) {
            v *= scale;
        }
    }
    return pooled;
}

std::string base64_floats(const std::vector<float>& values) {
    static_assert(std::endian::native == std::endian::little, "base64 embeddings are little-endian float32");
    static constexpr std::string_view ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes(values.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), values.data(), bytes.size());
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);
        uint32_t chunk = 0;
        for (size_t k = 0; k < 3; ++k) {
            chunk = (chunk << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
        }
        for (size_t k = 0; k < 4; ++k) {
            out.push_back(k <= n ? ALPHABET[(chunk >> (18 - 6 * k)) & 0x3f] : '=');
        }
    }
    return out;
}

ApiReply embeddings_reply(const std::string& model, const std::vector<std::vector<float>>& vectors, bool base64,
                          int32_t prompt_tokens) {
    json data = json::array();
    for (size_t i = 0; i < vectors.size(); ++i) {
        json item = {{"object", "embedding"}, {"index", i}};
        if (base64) {
            item["embedding"] = base64_floats(vectors[i]);
        } else {
            item["embedding"] = vectors[i];
        }
        data.push_back(std::move(item));
    }
    return ApiReply{
        200, dump({{"object", "list"}, {"data", std::move(data)}, {"model", model}, {"usage", usage(prompt_tokens)}})};
}

ApiReply rerank_reply(const RerankParams& params, const std::vector<float>& scores, int32_t prompt_tokens) {
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    order.resize(std::min(order.size(), params.top_n.value_or(order.size())));
    json results = json::array();
    for (size_t index : order) {
        json item = {{"index", index}, {"relevance_score", scores[index]}};
        if (params.return_documents) {
            item["document"] = {{"text", params.documents[index]}};
        }
        results.push_back(std::move(item));
    }
    // id and results for Cohere's clients, model and usage for Jina's; llama-server's read results only.
    return ApiReply{200, dump({{"id", new_response_id("rerank")},
                               {"object", "list"},
                               {"model", params.model},
                               {"results", std::move(results)},
                               {"usage", usage(prompt_tokens)}})};
}

}  // namespace hearth::api
