// Decoder-only LLMs in GGUF, with the tensor names, shapes and hyperparameter keys libllama's loaders
// (src/models/llama.cpp, qwen2.cpp, qwen3.cpp, gemma3.cpp) expect.
#pragma once

#include "model_config.h"
#include "output_file.h"

namespace hearth::mkmodel {

// Writes a llama, qwen2, qwen3 or gemma3 model to out (not yet committed).
void write_decoder_model(const ModelConfig& config, const SourceDirs& dirs, OutputFiles& out);

}  // namespace hearth::mkmodel
