// Real tokenizers and chat templates for generated models: llama.cpp's ggml-vocab-*.gguf files and
// templates/*.jinja, so the random-weight models tokenize and render chats exactly like the real ones.
#pragma once

#include <gguf.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model_config.h"

namespace hearth::mkmodel {

std::string vocab_file_path(const SourceDirs& dirs, const std::string& vocab_name);
std::string template_file_path(const SourceDirs& dirs, const std::string& template_name);

// Copies every tokenizer.* key of the vocab file into meta and returns the vocabulary size.
// Throws UsageError when the file is missing or holds no token list.
uint32_t copy_tokenizer(gguf_context* meta, const SourceDirs& dirs, const std::string& vocab_name);

// A token of a copied vocabulary that another model of the family spells differently at the same id.
struct TokenRename {
    uint32_t id;
    std::string_view from;  // the vocab file's text; a token that reads otherwise is left alone
    std::string_view to;
};

// Renames tokens of the vocabulary already copied into meta; returns how many were renamed.
int rename_tokens(gguf_context* meta, std::span<const TokenRename> renames);

// Sets tokenizer.chat_template from templates/<name>.jinja; an empty name removes any template that came
// with the vocab file, so "no template" really means none.
void set_chat_template(gguf_context* meta, const SourceDirs& dirs, const std::string& template_name);

// Reads a whole file; throws UsageError naming what it was for when it cannot.
std::string read_file(const std::string& path, const std::string& what);

}  // namespace hearth::mkmodel
