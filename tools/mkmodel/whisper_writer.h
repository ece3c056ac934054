// Whisper models in whisper.cpp's own ggml format (not GGUF): magic, 11 int32 hyperparameters, mel filters,
// vocabulary, then tensors as {n_dims, name_len, ttype, ne[], name, data}. The filters and vocabulary come
// from whisper.cpp's weightless for-tests-ggml-*.bin headers; the tensors are generated.
#pragma once

#include "model_config.h"
#include "output_file.h"

namespace hearth::mkmodel {

std::string whisper_vocab_path(const SourceDirs& dirs, const std::string& vocab_name);

// Fills shape fields left at 0 (layers, embd, heads, ctx) from the vocab file's own hyperparameters,
// so "--arch whisper --vocab base" gives a base-sized model.
void resolve_whisper_shape(ModelConfig& config, const SourceDirs& dirs);

// Writes a Whisper model to out (not yet committed).
void write_whisper_model(const ModelConfig& config, const SourceDirs& dirs, OutputFile& out);

}  // namespace hearth::mkmodel
