#include "api/model_config_json.h"

#include <set>

#include "api/json_body.h"
#include "util/list_text.h"

namespace hearth::api {

namespace {

const std::set<std::string, std::less<>> OPTION_KEYS = {
    "device",           "n_gpu_layers", "tensor_split", "n_ctx",       "n_slots",      "n_batch",
    "n_ubatch",         "n_threads",    "flash_attn",   "type_k",      "type_v",       "keep_alive",
    "draft_model",      "draft_max",    "draft_min",    "draft_p_min", "draft_device", "draft_n_gpu_layers",
    "lookup_draft_max", "rpc",          "split_mode",   "main_gpu",    "isolate"};
const std::set<std::string, std::less<>> MODEL_KEYS = {"name",    "path",     "kind",   "mmproj",
                                                       "vocoder", "speakers", "options"};

Error invalid(const std::string& param, const std::string& message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, param + ": " + message, param);
}

Result<void> refuse_unknown(const nlohmann::json& object, const std::set<std::string, std::less<>>& known,
                            const std::string& prefix) {
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key)) {
            return invalid(prefix.empty() ? key : prefix + "." + key, "unknown field");
        }
    }
    return {};
}

std::optional<int32_t> small_int(FieldReader& reader, std::string_view key) {
    const auto value = reader.integer(key);
    if (value && (*value < INT32_MIN || *value > INT32_MAX)) {
        reader.fail(invalid(reader.param(key), "out of range"));
        return std::nullopt;
    }
    return value ? std::optional<int32_t>(static_cast<int32_t>(*value)) : std::nullopt;
}

Result<std::vector<float>> read_tensor_split(const nlohmann::json& value, const std::string& param) {
    if (!value.is_array() || value.size() > 64) {
        return invalid(param, "must be an array of at most 64 numbers");
    }
    std::vector<float> shares;
    for (const auto& share : value) {
        if (!share.is_number()) {
            return invalid(param, "must be an array of numbers");
        }
        shares.push_back(share.get<float>());
    }
    return shares;
}

// A list of rpc-worker endpoints: an array of "host:port" strings, or one string of them comma-separated (as
// llama-server's --rpc).
Result<std::vector<std::string>> read_rpc(const nlohmann::json& value, const std::string& param) {
    if (value.is_string()) {
        return split_list(value.get<std::string>());
    }
    std::vector<std::string> out;
    if (!value.is_array() || value.size() > 64) {
        return invalid(param, "must be an array of host:port strings");
    }
    for (const auto& entry : value) {
        if (!entry.is_string()) {
            return invalid(param, "must be an array of host:port strings");
        }
        out.push_back(entry.get<std::string>());
    }
    return out;
}

Result<core::ModelSpec> parse_model(const nlohmann::json& object, const std::string& prefix) {
    if (!object.is_object()) {
        return invalid(prefix, "must be an object");
    }
    if (auto known = refuse_unknown(object, MODEL_KEYS, prefix); !known) {
        return known.error();
    }
    FieldReader reader(object, prefix);
    core::ModelSpec spec;
    spec.name = reader.string("name").value_or("");
    spec.path = reader.string("path").value_or("");
    const auto kind = reader.string("kind");
    spec.mmproj = reader.string("mmproj").value_or("");
    spec.vocoder = reader.string("vocoder").value_or("");
    spec.speakers = reader.string("speakers").value_or("");
    if (!reader.ok()) {
        return reader.error();
    }
    if (auto name = core::validate_model_name(spec.name); !name) {
        return invalid(reader.param("name"), name.error().message);
    }
    if (spec.path.empty()) {
        return invalid(reader.param("path"), "required");
    }
    if (kind) {
        spec.kind = core::parse_model_kind(*kind);
        if (!spec.kind) {
            return invalid(reader.param("kind"), "must be llm, embedding, rerank, whisper, tts or vlm");
        }
    }
    if (const auto* options = reader.find("options")) {
        auto parsed = parse_load_options(*options, reader.param("options"));
        if (!parsed) {
            return parsed.error();
        }
        spec.options = std::move(*parsed);
    }
    return spec;
}

}  // namespace

Result<int64_t> parse_keep_alive(const nlohmann::json& value, const std::string& param) {
    if (value.is_number_integer()) {
        const auto seconds = value.get<int64_t>();
        return seconds >= -1 ? Result<int64_t>(seconds) : invalid(param, "must be -1 (never) or >= 0 seconds");
    }
    if (!value.is_string() || value.get<std::string>().empty()) {
        return invalid(param, "must be seconds or a duration such as \"30s\", \"5m\", \"2h\"");
    }
    const std::string text = value.get<std::string>();
    if (text == "-1") {
        return int64_t{-1};
    }
    const char unit = text.back();
    const int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
    const std::string digits = scale != 0 ? text.substr(0, text.size() - 1) : text;
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
        return invalid(param, "must be seconds or a duration such as \"30s\", \"5m\", \"2h\"");
    }
    return std::stoll(digits) * (scale != 0 ? scale : 1);
}

namespace {

// The options that are more than one value: tensor_split, rpc, keep_alive (a number or a duration).
Result<void> read_structured_fields(FieldReader& reader, core::LoadOptions& o) {
    if (const auto* split = reader.find("tensor_split")) {
        auto shares = read_tensor_split(*split, reader.param("tensor_split"));
        if (!shares) {
            return shares.error();
        }
        o.tensor_split = std::move(*shares);
    }
    if (const auto* rpc = reader.find("rpc")) {
        auto endpoints = read_rpc(*rpc, reader.param("rpc"));
        if (!endpoints) {
            return endpoints.error();
        }
        o.rpc = std::move(*endpoints);
    }
    if (const auto* keep_alive = reader.find("keep_alive")) {
        auto seconds = parse_keep_alive(*keep_alive, reader.param("keep_alive"));
        if (!seconds) {
            return seconds.error();
        }
        o.keep_alive_s = *seconds;
    }
    return {};
}

}  // namespace

Result<core::LoadOptions> parse_load_options(const nlohmann::json& object, const std::string& prefix) {
    if (!object.is_object()) {
        return invalid(prefix.empty() ? "options" : prefix, "must be an object");
    }
    if (auto known = refuse_unknown(object, OPTION_KEYS, prefix); !known) {
        return known.error();
    }
    FieldReader reader(object, prefix);
    core::LoadOptions o;
    o.device = reader.string("device");
    o.n_gpu_layers = small_int(reader, "n_gpu_layers");
    o.n_ctx = small_int(reader, "n_ctx");
    o.n_slots = small_int(reader, "n_slots");
    o.n_batch = small_int(reader, "n_batch");
    o.n_ubatch = small_int(reader, "n_ubatch");
    o.n_threads = small_int(reader, "n_threads");
    o.flash_attn = reader.string("flash_attn");
    o.type_k = reader.string("type_k");
    o.type_v = reader.string("type_v");
    o.draft_model = reader.string("draft_model");
    o.draft_max = small_int(reader, "draft_max");
    o.draft_min = small_int(reader, "draft_min");
    if (const auto p_min = reader.number("draft_p_min")) {
        o.draft_p_min = static_cast<float>(*p_min);
    }
    o.draft_device = reader.string("draft_device");
    o.draft_n_gpu_layers = small_int(reader, "draft_n_gpu_layers");
    o.lookup_draft_max = small_int(reader, "lookup_draft_max");
    o.split_mode = reader.string("split_mode");
    o.main_gpu = small_int(reader, "main_gpu");
    o.isolate = reader.boolean("isolate");
    if (!reader.ok()) {
        return reader.error();
    }
    if (auto lists = read_structured_fields(reader, o); !lists) {
        return lists.error();
    }
    if (auto valid = core::validate(o); !valid) {
        const std::string param = prefix.empty() ? valid.error().param : prefix + "." + valid.error().param;
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          prefix.empty() ? valid.error().message : prefix + "." + valid.error().message, param);
    }
    return o;
}

nlohmann::json load_options_json(const core::LoadOptions& o) {
    nlohmann::json out = nlohmann::json::object();
    const auto put = [&out](const char* key, const auto& value) {
        if (value) {
            out[key] = *value;
        }
    };
    put("device", o.device);
    put("n_gpu_layers", o.n_gpu_layers);
    if (!o.tensor_split.empty()) {
        out["tensor_split"] = o.tensor_split;
    }
    if (!o.rpc.empty()) {
        out["rpc"] = o.rpc;
    }
    put("split_mode", o.split_mode);
    put("main_gpu", o.main_gpu);
    put("isolate", o.isolate);
    put("n_ctx", o.n_ctx);
    put("n_slots", o.n_slots);
    put("n_batch", o.n_batch);
    put("n_ubatch", o.n_ubatch);
    put("n_threads", o.n_threads);
    put("flash_attn", o.flash_attn);
    put("type_k", o.type_k);
    put("type_v", o.type_v);
    put("keep_alive", o.keep_alive_s);
    put("draft_model", o.draft_model);
    put("draft_max", o.draft_max);
    put("draft_min", o.draft_min);
    put("draft_p_min", o.draft_p_min);
    put("draft_device", o.draft_device);
    put("draft_n_gpu_layers", o.draft_n_gpu_layers);
    put("lookup_draft_max", o.lookup_draft_max);
    return out;
}

Result<std::vector<core::ModelSpec>> parse_model_config(std::string_view text) {
    auto body = parse_json_object(text);
    if (!body) {
        return body.error();
    }
    if (auto known = refuse_unknown(*body, {"models"}, ""); !known) {
        return known.error();
    }
    const auto it = body->find("models");
    if (it == body->end() || it->is_null()) {
        return std::vector<core::ModelSpec>{};
    }
    if (!it->is_array()) {
        return invalid("models", "must be an array");
    }
    std::vector<core::ModelSpec> models;
    std::set<std::string> names;
    for (size_t i = 0; i < it->size(); ++i) {
        auto spec = parse_model((*it)[i], element_param("models", i));
        if (!spec) {
            return spec.error();
        }
        if (!names.insert(spec->name).second) {
            return invalid(element_param("models", i) + ".name", "duplicate name '" + spec->name + "'");
        }
        models.push_back(std::move(*spec));
    }
    return models;
}

std::string format_model_config(const std::vector<core::ModelSpec>& models) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : models) {
        nlohmann::json entry = {{"name", m.name}, {"path", m.path}};
        if (m.kind) {
            entry["kind"] = std::string(core::to_string(*m.kind));
        }
        if (!m.mmproj.empty()) {
            entry["mmproj"] = m.mmproj;
        }
        if (!m.vocoder.empty()) {
            entry["vocoder"] = m.vocoder;
        }
        if (!m.speakers.empty()) {
            entry["speakers"] = m.speakers;
        }
        if (auto options = load_options_json(m.options); !options.empty()) {
            entry["options"] = std::move(options);
        }
        list.push_back(std::move(entry));
    }
    return nlohmann::json{{"models", list}}.dump(2) + "\n";
}

}  // namespace hearth::api
