#include "api/embeddings_request.h"

#include <cstdint>

#include "api/json_body.h"

namespace hearth::api {

using nlohmann::json;

namespace {

constexpr std::string_view INPUT_SHAPE =
    "'input' must be a string, an array of strings, an array of token ids or an array of token-id arrays";

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

Result<std::vector<int32_t>> token_ids(const json& array, const std::string& path) {
    if (array.empty()) {
        return invalid("input " + path + " is empty", path);
    }
    std::vector<int32_t> tokens;
    tokens.reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        const json& item = array[i];
        const bool in_range = item.is_number_unsigned()  ? item.get<uint64_t>() <= INT32_MAX
                              : item.is_number_integer() ? item.get<int64_t>() >= 0 && item.get<int64_t>() <= INT32_MAX
                                                         : false;
        if (!in_range) {
            return invalid("token ids must be non-negative 32-bit integers, got " + item.dump(),
                           element_param(path, i));
        }
        tokens.push_back(static_cast<int32_t>(item.get<int64_t>()));
    }
    return tokens;
}

// An array input: all strings (one input each), all ids (one tokenized input) or all arrays of ids (one
// tokenized input each).
Result<std::vector<EmbeddingInput>> array_inputs(const json& array) {
    std::vector<EmbeddingInput> out;
    if (array.front().is_number()) {
        auto tokens = token_ids(array, "input");
        if (!tokens) {
            return tokens.error();
        }
        out.emplace_back(std::move(tokens).value());
        return out;
    }
    out.reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        const json& item = array[i];
        const std::string path = element_param("input", i);
        if (item.is_string() && array.front().is_string()) {
            if (item.get_ref<const std::string&>().empty()) {
                return invalid("input " + path + " is an empty string", path);
            }
            out.emplace_back(item.get<std::string>());
        } else if (item.is_array() && array.front().is_array()) {
            auto tokens = token_ids(item, path);
            if (!tokens) {
                return tokens.error();
            }
            out.emplace_back(std::move(tokens).value());
        } else {
            return invalid(std::string(INPUT_SHAPE), path);
        }
    }
    return out;
}

Result<std::vector<EmbeddingInput>> read_inputs(const json* input, const EmbeddingLimits& limits) {
    if (input == nullptr) {
        return invalid("'input' is required", "input");
    }
    std::vector<EmbeddingInput> out;
    if (input->is_string()) {
        if (input->get_ref<const std::string&>().empty()) {
            return invalid("'input' is an empty string", "input");
        }
        out.emplace_back(input->get<std::string>());
        return out;
    }
    if (!input->is_array()) {
        return invalid(std::string(INPUT_SHAPE), "input");
    }
    if (input->empty()) {
        return invalid("'input' is an empty array", "input");
    }
    auto inputs = array_inputs(*input);
    if (inputs && inputs->size() > limits.max_inputs) {
        return invalid("too many inputs: " + std::to_string(inputs->size()) + " (at most " +
                           std::to_string(limits.max_inputs) + " per request)",
                       "input");
    }
    return inputs;
}

Result<bool> read_encoding(FieldReader& reader) {
    const std::optional<std::string> format = reader.string("encoding_format");
    if (!format || *format == "float") {
        return false;
    }
    if (*format == "base64") {
        return true;
    }
    return invalid("'encoding_format' must be \"float\" or \"base64\", got \"" + *format + "\"", "encoding_format");
}

}  // namespace

Result<EmbeddingsParams> embeddings_params_from_body(std::string_view body, const EmbeddingLimits& limits) {
    auto object = parse_json_object(body);
    if (!object) {
        return object.error();
    }
    FieldReader reader(*object);
    EmbeddingsParams params;
    params.model = reader.string("model").value_or("");
    const std::optional<int64_t> dimensions = reader.integer("dimensions");
    params.normalize = reader.boolean("normalize").value_or(true);
    params.truncate = reader.boolean("truncate").value_or(false);
    auto base64 = read_encoding(reader);
    if (!reader.ok()) {
        return reader.error();
    }
    if (!base64) {
        return base64.error();
    }
    params.base64 = *base64;
    if (params.model.empty()) {
        return invalid("'model' is required", "model");
    }
    if (dimensions && (*dimensions < 1 || *dimensions > INT32_MAX)) {
        return invalid("'dimensions' must be a positive integer, got " + std::to_string(*dimensions), "dimensions");
    }
    if (dimensions) {
        params.dimensions = static_cast<int32_t>(*dimensions);
    }
    auto inputs = read_inputs(reader.find("input"), limits);
    if (!inputs) {
        return inputs.error();
    }
    params.inputs = std::move(inputs).value();
    return params;
}

}  // namespace hearth::api
