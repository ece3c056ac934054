#include "tokenizer_source.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

namespace hearth::mkmodel {
namespace {

struct GgufDeleter {
    void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

GgufPtr open_vocab(const std::string& path) {
    if (!std::filesystem::is_regular_file(path)) {
        throw UsageError("vocab file not found: " + path);
    }
    // Metadata only: vocab files carry no tensors, and no_alloc skips any data if one ever does.
    const gguf_init_params params{true, nullptr};
    GgufPtr vocab(gguf_init_from_file(path.c_str(), params));
    if (!vocab) {
        throw UsageError("not a readable GGUF vocab file: " + path);
    }
    return vocab;
}

void keep_only_tokenizer_keys(gguf_context* vocab) {
    std::vector<std::string> foreign;
    for (int64_t i = 0; i < gguf_get_n_kv(vocab); ++i) {
        const std::string_view key = gguf_get_key(vocab, i);
        if (!key.starts_with("tokenizer.")) {
            foreign.emplace_back(key);
        }
    }
    for (const std::string& key : foreign) {
        gguf_remove_key(vocab, key.c_str());
    }
}

}  // namespace

std::string vocab_file_path(const SourceDirs& dirs, const std::string& vocab_name) {
    return (std::filesystem::path(dirs.vocab_dir) / ("ggml-vocab-" + vocab_name + ".gguf")).string();
}

std::string template_file_path(const SourceDirs& dirs, const std::string& template_name) {
    return (std::filesystem::path(dirs.vocab_dir) / "templates" / (template_name + ".jinja")).string();
}

std::string read_file(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!std::filesystem::is_regular_file(path) || !in) {
        throw UsageError(what + " not found: " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

uint32_t copy_tokenizer(gguf_context* meta, const SourceDirs& dirs, const std::string& vocab_name) {
    const std::string path = vocab_file_path(dirs, vocab_name);
    const GgufPtr vocab = open_vocab(path);
    const int64_t tokens_id = gguf_find_key(vocab.get(), "tokenizer.ggml.tokens");
    if (tokens_id < 0 || gguf_get_kv_type(vocab.get(), tokens_id) != GGUF_TYPE_ARRAY) {
        throw UsageError("vocab file has no tokenizer.ggml.tokens: " + path);
    }
    const auto n_vocab = static_cast<uint32_t>(gguf_get_arr_n(vocab.get(), tokens_id));
    keep_only_tokenizer_keys(vocab.get());
    gguf_set_kv(meta, vocab.get());
    return n_vocab;
}

int rename_tokens(gguf_context* meta, std::span<const TokenRename> renames) {
    const int64_t tokens_id = gguf_find_key(meta, "tokenizer.ggml.tokens");
    if (tokens_id < 0 || gguf_get_kv_type(meta, tokens_id) != GGUF_TYPE_ARRAY) {
        return 0;
    }
    const size_t n_vocab = gguf_get_arr_n(meta, tokens_id);
    std::vector<std::string> texts;
    texts.reserve(n_vocab);
    for (size_t i = 0; i < n_vocab; ++i) {
        texts.emplace_back(gguf_get_arr_str(meta, tokens_id, i));
    }
    int renamed = 0;
    for (const TokenRename& rename : renames) {
        if (rename.id < n_vocab && texts[rename.id] == rename.from) {
            texts[rename.id] = rename.to;
            ++renamed;
        }
    }
    if (renamed == 0) {
        return 0;
    }
    std::vector<const char*> pointers;
    pointers.reserve(n_vocab);
    for (const std::string& text : texts) {
        pointers.push_back(text.c_str());
    }
    gguf_set_arr_str(meta, "tokenizer.ggml.tokens", pointers.data(), pointers.size());
    return renamed;
}

void set_chat_template(gguf_context* meta, const SourceDirs& dirs, const std::string& template_name) {
    if (template_name.empty()) {
        gguf_remove_key(meta, "tokenizer.chat_template");
        return;
    }
    const std::string text = read_file(template_file_path(dirs, template_name), "chat template");
    gguf_set_val_str(meta, "tokenizer.chat_template", text.c_str());
}

}  // namespace hearth::mkmodel
