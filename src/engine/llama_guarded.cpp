#include "engine/llama_guarded.h"

#include <exception>

#include "util/log.h"

namespace hearth::engine {

llama_model_ptr load_model_guarded(const std::string& path, const llama_model_params& params) {
    try {
        return llama_model_ptr(llama_model_load_from_file(path.c_str(), params));
    } catch (const std::exception& e) {
        log::error("llama.cpp threw while loading {}: {}", path, e.what());
    } catch (...) {
        log::error("llama.cpp threw while loading {}", path);
    }
    return nullptr;
}

llama_context_ptr init_context_guarded(llama_model* model, const llama_context_params& params) {
    try {
        return llama_context_ptr(llama_init_from_model(model, params));
    } catch (const std::exception& e) {
        log::error("llama.cpp threw while creating a context: {}", e.what());
    } catch (...) {
        log::error("llama.cpp threw while creating a context");
    }
    return nullptr;
}

}  // namespace hearth::engine
