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

}  // namespace

Result<void> validate(const LoadOptions& o) {
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
