#include "engine/backend.h"

#include <ggml-backend.h>
#include <llama.h>
#include <mtmd-helper.h>
#include <whisper.h>

#include <string_view>

#include "engine/device_selection.h"
#include "util/log.h"

namespace hearth::engine {

namespace {

// Engines log line fragments; keep them at debug level unless they are warnings or errors.
void route_engine_log(ggml_log_level level, const char* text, void* /*user_data*/) {
    std::string_view line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.remove_suffix(1);
    }
    if (line.empty()) {
        return;
    }
    if (LayerPlacement* placement = current_layer_placement(); placement != nullptr) {
        placement->observe(line);
    }
    switch (level) {
        case GGML_LOG_LEVEL_ERROR: log::error("engine: {}", line); break;
        case GGML_LOG_LEVEL_WARN: log::warn("engine: {}", line); break;
        default: log::debug("engine: {}", line); break;
    }
}

void drop_engine_log(ggml_log_level /*level*/, const char* /*text*/, void* /*user_data*/) {}

std::string device_type_name(enum ggml_backend_dev_type type) {
    switch (type) {
        case GGML_BACKEND_DEVICE_TYPE_CPU: return "cpu";
        case GGML_BACKEND_DEVICE_TYPE_GPU: return "gpu";
        case GGML_BACKEND_DEVICE_TYPE_IGPU: return "igpu";
        default: return "accel";
    }
}

}  // namespace

BackendGuard::BackendGuard() {
    llama_log_set(route_engine_log, nullptr);
    whisper_log_set(route_engine_log, nullptr);
    ggml_log_set(route_engine_log, nullptr);
    mtmd_helper_log_set(route_engine_log, nullptr);  // libmtmd and its helpers log through their own hook
    // Backends built as loadable modules (the CPU variants, chosen by this CPU's features; CUDA when dynamic)
    // live in the engines' prefix, not beside the hearth executable where ggml would look by default.
    ggml_backend_load_all_from_path(HEARTH_GGML_BACKEND_DIR);
    llama_backend_init();
}

BackendGuard::~BackendGuard() {
    llama_backend_free();
}

std::vector<BackendDevice> BackendGuard::devices(bool remote_memory) {
    std::vector<BackendDevice> out;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        BackendDevice d;
        d.name = ggml_backend_dev_name(dev);
        d.description = ggml_backend_dev_description(dev);
        d.type = is_rpc_device(dev) ? "rpc" : device_type_name(ggml_backend_dev_type(dev));
        if (remote_memory || !is_rpc_device(dev)) {
            ggml_backend_dev_memory(dev, &d.memory_free, &d.memory_total);
        }
        out.push_back(std::move(d));
    }
    return out;
}

std::string engine_versions() {
    return std::string("llama.cpp ") + HEARTH_LLAMA_VERSION + ", whisper.cpp " + whisper_version();
}

void silence_engine_logs() {
    llama_log_set(drop_engine_log, nullptr);
    whisper_log_set(drop_engine_log, nullptr);
    ggml_log_set(drop_engine_log, nullptr);
    mtmd_helper_log_set(drop_engine_log, nullptr);
}

}  // namespace hearth::engine
