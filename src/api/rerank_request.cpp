// The /v1/rerank half of embeddings_request.h: a query and documents in the shapes Jina, Cohere and
// llama-server clients send (strings, or objects with a "text" field).

#include "api/embeddings_request.h"
#include "api/json_body.h"

namespace hearth::api {

using nlohmann::json;

namespace {

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

Result<std::string> document_text(const json& item, const std::string& path) {
    const json* text = &item;
    if (item.is_object()) {
        auto it = item.find("text");
        if (it == item.end()) {
            return invalid("document " + path + " is an object without a 'text' string", path + ".text");
        }
        text = &*it;
    }
    if (!text->is_string()) {
        return invalid("documents must be strings or objects with a 'text' string", path);
    }
    if (text->get_ref<const std::string&>().empty()) {
        return invalid("document " + path + " is empty", path);
    }
    return text->get<std::string>();
}

Result<std::vector<std::string>> read_documents(const json* documents, const EmbeddingLimits& limits) {
    if (documents == nullptr) {
        return invalid("'documents' is required", "documents");
    }
    if (!documents->is_array()) {
        return invalid("'documents' must be an array of strings or of objects with a 'text' string", "documents");
    }
    if (documents->empty()) {
        return invalid("'documents' is an empty array", "documents");
    }
    if (documents->size() > limits.max_inputs) {
        return invalid("too many documents: " + std::to_string(documents->size()) + " (at most " +
                           std::to_string(limits.max_inputs) + " per request)",
                       "documents");
    }
    std::vector<std::string> out;
    out.reserve(documents->size());
    for (size_t i = 0; i < documents->size(); ++i) {
        auto text = document_text((*documents)[i], element_param("documents", i));
        if (!text) {
            return text.error();
        }
        out.push_back(std::move(text).value());
    }
    return out;
}

}  // namespace

Result<RerankParams> rerank_params_from_body(std::string_view body, const EmbeddingLimits& limits) {
    auto object = parse_json_object(body);
    if (!object) {
        return object.error();
    }
    FieldReader reader(*object);
    RerankParams params;
    params.model = reader.string("model").value_or("");
    std::optional<std::string> query = reader.string("query");
    const std::optional<int64_t> top_n = reader.integer("top_n");
    params.return_documents = reader.boolean("return_documents").value_or(false);
    params.truncate = reader.boolean("truncate").value_or(false);
    if (!reader.ok()) {
        return reader.error();
    }
    if (params.model.empty()) {
        return invalid("'model' is required", "model");
    }
    if (!query || query->empty()) {
        return invalid(query ? "'query' is an empty string" : "'query' is required", "query");
    }
    params.query = std::move(*query);
    if (top_n && *top_n < 1) {
        return invalid("'top_n' must be a positive integer, got " + std::to_string(*top_n), "top_n");
    }
    if (top_n) {
        params.top_n = static_cast<size_t>(*top_n);
    }
    auto documents = read_documents(reader.find("documents"), limits);
    if (!documents) {
        return documents.error();
    }
    params.documents = std::move(documents).value();
    return params;
}

}  // namespace hearth::api
