#include "core/model_spec.h"

namespace hearth::core {

namespace {

Error invalid(const std::string& field, const std::string& message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, field + " " + message, field);
}

Result<void> check_range(const std::optional<int32_t>& value, const char* field, int32_t min, int32_t max) {
    if (value && (*value < min || *value > max)) {
        return invalid(field, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                                  std::to_string(*value));
    }
    return {};
}

bool is_one_of(const std::optional<std::string>& value, std::initializer_list<const char*> allowed) {
    if (!value) {
        return true;
    }
    for (const char* a : allowed) {
        if (*value == a) {
            return true;
        }
    }
    return false;
}

// host:port, the port in 1..65535 (the engine checks the worker itself at load).
bool is_endpoint(const std::string& e) {
    const size_t colon = e.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == e.size() || e.size() - colon - 1 > 5) {
        return false;
    }
    int port = 0;
    for (size_t i = colon + 1; i < e.size(); ++i) {
        if (e[i] < '0' || e[i] > '9') {
            return false;
        }
        port = port * 10 + (e[i] - '0');
    }
    return port >= 1 && port <= 65535 && e.find_first_of(" /\\,") == std::string::npos;
}

Result<void> validate_placement(const LoadOptions& o) {
    constexpr size_t MAX_WORKERS = 16;  // GGML_RPC_MAX_SERVERS
    if (o.rpc.size() > MAX_WORKERS) {
        return invalid("rpc", "lists at most " + std::to_string(MAX_WORKERS) + " workers");
    }
    for (const auto& endpoint : o.rpc) {
        if (!is_endpoint(endpoint)) {
            return invalid("rpc", "entries must be host:port with a port in 1..65535, got '" + endpoint + "'");
        }
    }
    if (!is_one_of(o.split_mode, {"none", "layer", "row"})) {
        return invalid("split_mode", "must be none, layer or row");
    }
    return check_range(o.main_gpu, "main_gpu", 0, 255);
}

}  // namespace

Result<void> validate(const LoadOptions& o) {
    if (auto placement = validate_placement(o); !placement) {
        return placement;
    }
    for (auto check :
         {check_range(o.n_gpu_layers, "n_gpu_layers", -1, 100000), check_range(o.n_ctx, "n_ctx", 16, 1 << 24),
          check_range(o.n_slots, "n_slots", 1, 256), check_range(o.n_batch, "n_batch", 1, 1 << 20),
          check_range(o.n_ubatch, "n_ubatch", 1, 1 << 20), check_range(o.n_threads, "n_threads", 0, 1024),
          check_range(o.lookup_draft_max, "lookup_draft_max", 0, 64), check_range(o.draft_max, "draft_max", 1, 64),
          check_range(o.draft_min, "draft_min", 0, 64),
          check_range(o.draft_n_gpu_layers, "draft_n_gpu_layers", -1, 100000)}) {
        if (!check) {
            return check;
        }
    }
    if (!is_one_of(o.flash_attn, {"auto", "on", "off"})) {
        return invalid("flash_attn", "must be auto, on or off");
    }
    for (const auto* type : {&o.type_k, &o.type_v}) {
        if (!is_one_of(*type, {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"})) {
            return invalid(type == &o.type_k ? "type_k" : "type_v",
                           "must be one of f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1");
        }
    }
    for (const float share : o.tensor_split) {
        if (!(share >= 0.0f) || share > 1e6f) {
            return invalid("tensor_split", "shares must be >= 0");
        }
    }
    if (o.draft_min && *o.draft_min > o.draft_max.value_or(DEFAULT_DRAFT_MAX)) {
        return invalid("draft_min",
                       "must be at most draft_max (" + std::to_string(o.draft_max.value_or(DEFAULT_DRAFT_MAX)) + ")");
    }
    if (o.draft_p_min && !(*o.draft_p_min >= 0.0f && *o.draft_p_min <= 1.0f)) {
        return invalid("draft_p_min", "must be in [0, 1]");
    }
    if (o.draft_model && o.draft_model->empty()) {
        return invalid("draft_model", "must not be empty");
    }
    if (o.keep_alive_s && *o.keep_alive_s < -1) {
        return invalid("keep_alive", "must be -1 (never unload) or >= 0 seconds");
    }
    return {};
}

Result<void> validate_model_name(const std::string& name) {
    if (name.empty() || name.size() > 128 || name.front() == '.' || name.front() == '/') {
        return invalid("name", "must be 1-128 characters and not start with '.' or '/'");
    }
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == ':' || c == '/' || c == '-';
        if (!ok) {
            return invalid("name", "may hold only letters, digits and . _ : / -");
        }
    }
    return {};
}

LoadOptions overlay(const LoadOptions& base, const LoadOptions& over) {
    LoadOptions out = base;
    const auto take = [](auto& into, const auto& from) {
        if (from) {
            into = from;
        }
    };
    take(out.device, over.device);
    take(out.n_gpu_layers, over.n_gpu_layers);
    if (!over.tensor_split.empty()) {
        out.tensor_split = over.tensor_split;
    }
    if (!over.rpc.empty()) {
        out.rpc = over.rpc;
    }
    take(out.split_mode, over.split_mode);
    take(out.isolate, over.isolate);
    take(out.main_gpu, over.main_gpu);
    take(out.n_ctx, over.n_ctx);
    take(out.n_slots, over.n_slots);
    take(out.n_batch, over.n_batch);
    take(out.n_ubatch, over.n_ubatch);
    take(out.n_threads, over.n_threads);
    take(out.flash_attn, over.flash_attn);
    take(out.type_k, over.type_k);
    take(out.type_v, over.type_v);
    take(out.keep_alive_s, over.keep_alive_s);
    take(out.draft_model, over.draft_model);
    take(out.draft_max, over.draft_max);
    take(out.draft_min, over.draft_min);
    take(out.draft_p_min, over.draft_p_min);
    take(out.draft_device, over.draft_device);
    take(out.draft_n_gpu_layers, over.draft_n_gpu_layers);
    take(out.lookup_draft_max, over.lookup_draft_max);
    return out;
}

}  // namespace hearth::core
