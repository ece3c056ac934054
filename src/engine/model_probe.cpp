#include "engine/model_probe.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace hearth::engine {

namespace {

constexpr std::array<char, 4> GGUF_MAGIC = {'G', 'G', 'U', 'F'};
constexpr uint32_t GGML_MAGIC = 0x67676d6c;  // "lmgg" on disk: whisper.cpp's ggml format

Error not_servable(const std::string& reason) {
    return make_error(ErrorCode::INVALID_ARGUMENT, reason);
}

}  // namespace

Result<core::ModelFileInfo> probe_model_file(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        return make_error(ErrorCode::NOT_FOUND, "no such file: " + path);
    }
    if (!std::filesystem::is_regular_file(status)) {
        return not_servable("not a regular file");
    }
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) {
        return not_servable("cannot read file size: " + ec.message());
    }
    std::ifstream in(path, std::ios::binary);
    std::array<char, 4> magic{};
    if (!in || !in.read(magic.data(), magic.size())) {
        return not_servable(size < 4 ? "not a model: file too short" : "cannot read file");
    }
    if (magic == GGUF_MAGIC) {
        return detail::probe_gguf(path, size);
    }
    uint32_t magic_word = 0;
    std::memcpy(&magic_word, magic.data(), sizeof(magic_word));
    if (magic_word == GGML_MAGIC) {
        return detail::probe_whisper_ggml(path, size);
    }
    return not_servable("not a model: unrecognized format (neither GGUF nor whisper.cpp ggml)");
}

}  // namespace hearth::engine
