// /v1/embeddings and /v1/rerank bodies: every input shape, the options, every client mistake as a 400 naming
// its field, base64 encoding, dimensions and normalization, and the rerank results' order and shape.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

#include "api/embeddings_request.h"
#include "api/embeddings_response.h"

namespace hearth::api {
namespace {

using nlohmann::json;

void expect_invalid(const Result<EmbeddingsParams>& r, const std::string& param) {
    ASSERT_FALSE(r.has_value()) << "expected an error for param " << param;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT) << r.error().message;
    EXPECT_EQ(r.error().param, param) << r.error().message;
}

void expect_invalid(const Result<RerankParams>& r, const std::string& param) {
    ASSERT_FALSE(r.has_value()) << "expected an error for param " << param;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT) << r.error().message;
    EXPECT_EQ(r.error().param, param) << r.error().message;
}

TEST(EmbeddingsRequest, ReadsEveryInputShape) {
    auto one = embeddings_params_from_body(R"({"model":"m","input":"hello"})");
    ASSERT_TRUE(one);
    ASSERT_EQ(one->inputs.size(), 1u);
    EXPECT_EQ(std::get<std::string>(one->inputs[0]), "hello");
    EXPECT_FALSE(one->base64);
    EXPECT_TRUE(one->normalize);
    EXPECT_FALSE(one->truncate);
    EXPECT_FALSE(one->dimensions);

    auto texts = embeddings_params_from_body(R"({"model":"m","input":["a","b","c"]})");
    ASSERT_TRUE(texts);
    EXPECT_EQ(texts->inputs.size(), 3u);

    auto ids = embeddings_params_from_body(R"({"model":"m","input":[101, 7, 102]})");
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->inputs.size(), 1u);
    EXPECT_EQ(std::get<std::vector<int32_t>>(ids->inputs[0]), (std::vector<int32_t>{101, 7, 102}));

    auto id_arrays = embeddings_params_from_body(R"({"model":"m","input":[[1,2],[3]]})");
    ASSERT_TRUE(id_arrays);
    ASSERT_EQ(id_arrays->inputs.size(), 2u);
    EXPECT_EQ(std::get<std::vector<int32_t>>(id_arrays->inputs[1]), std::vector<int32_t>{3});
}

TEST(EmbeddingsRequest, ReadsOptions) {
    auto r = embeddings_params_from_body(
        R"({"model":"m","input":"x","encoding_format":"base64","dimensions":8,"truncate":true,"normalize":false,
            "user":"u"})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->base64);
    EXPECT_EQ(r->dimensions, 8);
    EXPECT_TRUE(r->truncate);
    EXPECT_FALSE(r->normalize);
    auto nulls = embeddings_params_from_body(R"({"model":"m","input":"x","encoding_format":null,"dimensions":null})");
    ASSERT_TRUE(nulls);
    EXPECT_FALSE(nulls->base64);
}

TEST(EmbeddingsRequest, RefusesClientMistakes) {
    expect_invalid(embeddings_params_from_body(R"({"input":"x"})"), "model");
    expect_invalid(embeddings_params_from_body(R"({"model":"m"})"), "input");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":""})"), "input");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":[]})"), "input");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":["a",""]})"), "input[1]");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":[[1],[]]})"), "input[1]");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":["a",1]})"), "input[1]");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":[1,"a"]})"), "input[1]");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":[-1]})"), "input[0]");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":[1.5]})"), "input[0]");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":{"a":1}})"), "input");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":"x","encoding_format":"hex"})"),
                   "encoding_format");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":"x","dimensions":0})"), "dimensions");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":"x","dimensions":"8"})"), "dimensions");
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":"x","truncate":"yes"})"), "truncate");
}

TEST(EmbeddingsRequest, LimitsInputsPerRequest) {
    EmbeddingLimits limits;
    limits.max_inputs = 2;
    EXPECT_TRUE(embeddings_params_from_body(R"({"model":"m","input":["a","b"]})", limits));
    expect_invalid(embeddings_params_from_body(R"({"model":"m","input":["a","b","c"]})", limits), "input");
    // One token array is one input, however long.
    EXPECT_TRUE(embeddings_params_from_body(R"({"model":"m","input":[1,2,3]})", limits));
}

TEST(EmbeddingsResponse, FinishTruncatesAndNormalizes) {
    EXPECT_EQ(finish_embedding({3.0f, 4.0f}, std::nullopt, true), (std::vector<float>{0.6f, 0.8f}));
    EXPECT_EQ(finish_embedding({3.0f, 4.0f}, std::nullopt, false), (std::vector<float>{3.0f, 4.0f}));
    EXPECT_EQ(finish_embedding({3.0f, 4.0f, 12.0f}, 2, true), (std::vector<float>{0.6f, 0.8f}));
    EXPECT_EQ(finish_embedding({0.0f, 0.0f}, std::nullopt, true), (std::vector<float>{0.0f, 0.0f}));
}

TEST(EmbeddingsResponse, Base64IsLittleEndianFloat32) {
    EXPECT_EQ(base64_floats({1.0f}), "AACAPw==");  // 00 00 80 3f
    EXPECT_EQ(base64_floats({1.0f, -2.0f}), "AACAPwAAAMA=");
    EXPECT_EQ(base64_floats({}), "");
    const std::string three = base64_floats({0.5f, 0.25f, 0.125f});  // 12 bytes: no padding
    EXPECT_EQ(three.size(), 16u);
    EXPECT_EQ(three.find('='), std::string::npos);
}

TEST(EmbeddingsResponse, OpenAIShape) {
    const ApiReply reply = embeddings_reply("m", {{0.6f, 0.8f}, {1.0f, 0.0f}}, false, 7);
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["object"], "list");
    EXPECT_EQ(body["model"], "m");
    ASSERT_EQ(body["data"].size(), 2u);
    EXPECT_EQ(body["data"][1]["object"], "embedding");
    EXPECT_EQ(body["data"][1]["index"], 1);
    EXPECT_FLOAT_EQ(body["data"][0]["embedding"][1].get<float>(), 0.8f);
    EXPECT_EQ(body["usage"]["prompt_tokens"], 7);
    EXPECT_EQ(body["usage"]["total_tokens"], 7);
    const json b64 = json::parse(embeddings_reply("m", {{1.0f}}, true, 1).body);
    EXPECT_EQ(b64["data"][0]["embedding"], "AACAPw==");
}

TEST(RerankRequest, ReadsDocumentsAsStringsOrObjects) {
    auto r = rerank_params_from_body(
        R"({"model":"r","query":"q","documents":["a",{"text":"b"}],"top_n":1,"return_documents":true})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->query, "q");
    EXPECT_EQ(r->documents, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r->top_n, 1u);
    EXPECT_TRUE(r->return_documents);
}

TEST(RerankRequest, RefusesClientMistakes) {
    expect_invalid(rerank_params_from_body(R"({"query":"q","documents":["a"]})"), "model");
    expect_invalid(rerank_params_from_body(R"({"model":"r","documents":["a"]})"), "query");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"","documents":["a"]})"), "query");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q"})"), "documents");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q","documents":[]})"), "documents");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q","documents":["a",""]})"), "documents[1]");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q","documents":[1]})"), "documents[0]");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q","documents":[{"t":"a"}]})"),
                   "documents[0].text");
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q","documents":["a"],"top_n":0})"), "top_n");
    EmbeddingLimits limits;
    limits.max_inputs = 1;
    expect_invalid(rerank_params_from_body(R"({"model":"r","query":"q","documents":["a","b"]})", limits), "documents");
}

TEST(RerankResponse, SortedByScoreWithOriginalIndex) {
    RerankParams params;
    params.model = "r";
    params.documents = {"a", "b", "c"};
    const json all = json::parse(rerank_reply(params, {0.1f, 0.9f, -2.0f}, 12).body);
    EXPECT_EQ(all["object"], "list");
    EXPECT_EQ(all["model"], "r");
    EXPECT_EQ(all["id"].get<std::string>().rfind("rerank-", 0), 0u);
    ASSERT_EQ(all["results"].size(), 3u);
    EXPECT_EQ(all["results"][0]["index"], 1);
    EXPECT_EQ(all["results"][1]["index"], 0);
    EXPECT_EQ(all["results"][2]["index"], 2);
    EXPECT_FLOAT_EQ(all["results"][0]["relevance_score"].get<float>(), 0.9f);
    EXPECT_FALSE(all["results"][0].contains("document"));
    EXPECT_EQ(all["usage"]["total_tokens"], 12);

    params.top_n = 2;
    params.return_documents = true;
    const json top = json::parse(rerank_reply(params, {0.1f, 0.9f, -2.0f}, 12).body);
    ASSERT_EQ(top["results"].size(), 2u);
    EXPECT_EQ(top["results"][0]["document"]["text"], "b");
    params.top_n = 10;  // more than there are: all of them
    EXPECT_EQ(json::parse(rerank_reply(params, {0.1f, 0.9f, -2.0f}, 12).body)["results"].size(), 3u);
}

}  // namespace
}  // namespace hearth::api
