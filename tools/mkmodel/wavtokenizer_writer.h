// WavTokenizer's decoder in GGUF (general.architecture "wavtokenizer-dec"), the vocoder OuteTTS speaks through,
// with the keys, tensor names and shapes of llama.cpp's loader (src/models/wavtokenizer-dec.cpp): a codebook
// embedding, a convolution into the PosNet (resnet, resnet, attention, resnet, resnet, group norm), the ConvNeXt
// blocks and a linear head giving one frame of log-magnitudes and phases per audio code.
#pragma once

#include "model_config.h"
#include "output_file.h"

namespace hearth::mkmodel {

// Writes a wavtokenizer-dec model to out (not yet committed).
void write_wavtokenizer_model(const ModelConfig& config, OutputFiles& out);

}  // namespace hearth::mkmodel
