#pragma once
// Every C handle hearth holds lives in a std::unique_ptr with one of these deleters; this header is the
// only place that names the engines' free functions. Declare a model before the contexts made from it
// so that members are destroyed contexts-first.

#include <ggml.h>
#include <gguf.h>
#include <llama.h>
#include <whisper.h>

#include <cstdio>
#include <memory>

// llama.cpp common's chat templates (libllama-common). The full type lives in <chat.h>, which pulls in the
// Jinja engine; only engine/chat_template.cpp and engine/chat_output_parser.cpp include it, so the handle is
// declared here by name.
struct common_chat_templates;
void common_chat_templates_free(struct common_chat_templates* tmpls);

namespace hearth::engine {

struct GgmlContextDeleter {
    void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};
struct GgufContextDeleter {
    void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
struct LlamaModelDeleter {
    void operator()(llama_model* model) const { llama_model_free(model); }
};
struct LlamaContextDeleter {
    void operator()(llama_context* ctx) const { llama_free(ctx); }
};
struct LlamaSamplerDeleter {
    void operator()(llama_sampler* sampler) const { llama_sampler_free(sampler); }
};
struct WhisperContextDeleter {
    void operator()(whisper_context* ctx) const { whisper_free(ctx); }
};
struct WhisperStateDeleter {
    void operator()(whisper_state* state) const { whisper_free_state(state); }
};
struct FileDeleter {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

using ggml_context_ptr = std::unique_ptr<ggml_context, GgmlContextDeleter>;
using gguf_context_ptr = std::unique_ptr<gguf_context, GgufContextDeleter>;
using llama_model_ptr = std::unique_ptr<llama_model, LlamaModelDeleter>;
using llama_context_ptr = std::unique_ptr<llama_context, LlamaContextDeleter>;
using llama_sampler_ptr = std::unique_ptr<llama_sampler, LlamaSamplerDeleter>;
using whisper_context_ptr = std::unique_ptr<whisper_context, WhisperContextDeleter>;
using whisper_state_ptr = std::unique_ptr<whisper_state, WhisperStateDeleter>;
using file_ptr = std::unique_ptr<std::FILE, FileDeleter>;

struct CommonChatTemplatesDeleter {
    void operator()(common_chat_templates* tmpls) const { common_chat_templates_free(tmpls); }
};
using chat_templates_ptr = std::unique_ptr<common_chat_templates, CommonChatTemplatesDeleter>;

}  // namespace hearth::engine
