#pragma once
// What a model file's name says about it: the quantization tag in it ("Qwen2.5-0.5B-Instruct-Q4_K_M.gguf" ->
// Q4_K_M), and whether it is one part of a split GGUF ("-00002-of-00003.gguf"). Pulled models are named and
// picked by these tags (`org/repo:Q4_K_M`), and the parts after the first are no models of their own.
// Thread-safe: pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace hearth::core {

// hearth pull's manifest, in each DIR/org/repo/ it pulls into; the files beside it are named "org/repo:TAG".
inline constexpr std::string_view PULL_MANIFEST = "hearth-pull.json";

struct SplitPart {
    int index = 0;  // 1-based
    int count = 0;
};

// The split part a file name says it is ("x-00002-of-00003.gguf" -> {2, 3}); none for any other name.
std::optional<SplitPart> split_part_of(std::string_view filename);

// The quantization tag of a model file name, upper-case: the last separated word of the name (without
// directory, extension and split suffix) that is a GGML type name: F32, F16, BF16, Q8_0, Q4_K_M, IQ4_XS, ...
// (FP16 and FP32 read as F16 and F32). A Whisper file "ggml-NAME.bin" has NAME ("ggml-base.en.bin" ->
// base.en). Empty when the name holds none.
std::string model_tag_of(std::string_view filename);

// Bits per weight a tag stands for (Q4_K_M -> 4, IQ2_XS -> 2, F16 -> 16, BF16 -> 16); 0 for an unknown tag.
int tag_bits(std::string_view tag);

}  // namespace hearth::core
