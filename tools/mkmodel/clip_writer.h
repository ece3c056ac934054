// Vision projectors ("mmproj" GGUF files, general.architecture "clip") as llama.cpp's libmtmd loads them:
// a CLIP or SigLIP vision tower and the projector that maps its features to a text model's embeddings.
// The text model is a separate file; the projector's output width must equal its embedding length.
#pragma once

#include <string>

#include "model_config.h"
#include "output_file.h"

namespace hearth::mkmodel {

// The embedding length (<arch>.embedding_length) of the text model in a GGUF file, which a projector for it
// must output. Throws UsageError when the file is unreadable, is itself a projector, or has no such key.
int text_embedding_length(const std::string& path);

// Writes a projector to out (not yet committed); config.vision.proj_embd must be set. out is one file:
// libmtmd reads a projector from one GGUF, never from splits.
void write_clip_model(const ModelConfig& config, OutputFiles& out);

}  // namespace hearth::mkmodel
