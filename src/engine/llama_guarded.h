#pragma once
// llama.cpp's model load and context creation with its exceptions kept inside: it refuses (returns null) in
// most cases, but a failed allocation or a malformed file can surface as an exception from deep inside, and
// neither may cross the engine's boundary. A throw is logged and becomes null, as a refusal.
// Thread-safe as llama.cpp's calls are.

#include <string>

#include "engine/c_handles.h"

namespace hearth::engine {

llama_model_ptr load_model_guarded(const std::string& path, const llama_model_params& params);
llama_context_ptr init_context_guarded(llama_model* model, const llama_context_params& params);

}  // namespace hearth::engine
