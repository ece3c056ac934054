#pragma once
// Writes a small valid GGUF model file for tests that need a servable model without real weights.

#include <ggml.h>
#include <gguf.h>

#include <string>

#include "engine/c_handles.h"

namespace hearth::testing {

inline bool write_tiny_gguf(const std::string& path, const std::string& arch = "llama") {
    engine::gguf_context_ptr gguf(gguf_init_empty());
    gguf_set_val_str(gguf.get(), "general.architecture", arch.c_str());
    gguf_set_val_u32(gguf.get(), (arch + ".context_length").c_str(), 256);
    ggml_init_params params{1 << 16, nullptr, false};
    engine::ggml_context_ptr ctx(ggml_init(params));
    ggml_tensor* t = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_F32, 64);
    ggml_set_name(t, "token_embd.weight");
    gguf_add_tensor(gguf.get(), t);
    return gguf_write_to_file(gguf.get(), path.c_str(), false);
}

}  // namespace hearth::testing
