// BERT-family encoders in GGUF: embedding models (mean or CLS pooling) and cross-encoder rerankers
// (RANK pooling plus the classification head llama.cpp's bert loader looks for: cls and cls.output).
#pragma once

#include "model_config.h"
#include "output_file.h"

namespace hearth::mkmodel {

// Writes a bert (embedding) or rerank model to out (not yet committed).
void write_bert_model(const ModelConfig& config, const SourceDirs& dirs, OutputFiles& out);

}  // namespace hearth::mkmodel
