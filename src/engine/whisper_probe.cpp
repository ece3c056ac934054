// whisper.cpp ggml half of the model probe. Walks the file the way whisper.cpp's loader does (hparams, mel
// filters, vocabulary, then tensor records) without allocating tensors, checking every length against the
// file size so that a damaged file yields a reason instead of a huge allocation or a read past the end.

#include <ggml.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>

#include "engine/model_probe.h"

namespace hearth::engine::detail {

namespace {

constexpr int32_t MAX_TENSOR_DIMS = 4;
constexpr int32_t MAX_NAME_LENGTH = 256;
constexpr int32_t MAX_ID_LENGTH = 64;  // other ggml-format models start with a short id string instead

Error not_servable(const std::string& reason) {
    return make_error(ErrorCode::INVALID_ARGUMENT, reason);
}

// Bounds-checked little-endian reader over one file.
class FileReader {
public:
    FileReader(const std::string& path, uint64_t size) : in_(path, std::ios::binary), size_(size) {}

    bool read_i32(int32_t& out) { return read_bytes(&out, sizeof(out)); }
    bool read_bytes(void* out, uint64_t n) {
        if (!in_ || n > remaining()) {
            return false;
        }
        in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
        pos_ += n;
        return static_cast<bool>(in_);
    }
    bool skip(uint64_t n) {
        if (!in_ || n > remaining()) {
            return false;
        }
        in_.seekg(static_cast<std::streamoff>(n), std::ios::cur);
        pos_ += n;
        return static_cast<bool>(in_);
    }
    uint64_t remaining() const { return size_ - pos_; }

private:
    std::ifstream in_;
    uint64_t size_;
    uint64_t pos_ = 0;
};

struct WhisperHeader {
    int32_t n_vocab = 0, n_audio_ctx = 0, n_audio_state = 0, n_audio_head = 0, n_audio_layer = 0;
    int32_t n_text_ctx = 0, n_text_state = 0, n_text_head = 0, n_text_layer = 0, n_mels = 0, ftype = 0;
};

// A ggml file whose first field is a short printable id is some other model (Silero VAD: "silero-16k").
Result<std::string> read_other_model_id(FileReader& reader, int32_t length) {
    std::string id(static_cast<size_t>(length), '\0');
    if (!reader.read_bytes(id.data(), id.size())) {
        return not_servable("truncated ggml file");
    }
    for (unsigned char c : id) {
        if (!std::isprint(c)) {
            return not_servable("not a model: unrecognized ggml file");
        }
    }
    return id;
}

Result<int> skip_filters_and_vocab(FileReader& reader) {
    int32_t n_mel = 0;
    int32_t n_fft = 0;
    if (!reader.read_i32(n_mel) || !reader.read_i32(n_fft) || n_mel < 0 || n_fft < 0 ||
        !reader.skip(static_cast<uint64_t>(n_mel) * static_cast<uint64_t>(n_fft) * sizeof(float))) {
        return not_servable("truncated whisper file: mel filters incomplete");
    }
    int32_t n_vocab = 0;
    if (!reader.read_i32(n_vocab) || n_vocab < 0) {
        return not_servable("truncated whisper file: vocabulary missing");
    }
    for (int32_t i = 0; i < n_vocab; ++i) {
        int32_t len = 0;
        if (!reader.read_i32(len) || len < 0 || !reader.skip(static_cast<uint64_t>(len))) {
            return not_servable("truncated whisper file: vocabulary incomplete");
        }
    }
    return n_vocab;
}

struct TensorWalk {
    int count = 0;
    std::string dominant_type;  // the weight type holding the most bytes
};

// Walks every tensor record; each must be complete.
Result<TensorWalk> walk_tensors(FileReader& reader) {
    int count = 0;
    std::map<ggml_type, uint64_t> bytes_by_type;
    while (reader.remaining() > 0) {
        int32_t n_dims = 0, name_len = 0, ttype = 0;
        if (!reader.read_i32(n_dims) || !reader.read_i32(name_len) || !reader.read_i32(ttype)) {
            return not_servable("truncated whisper file: tensor record " + std::to_string(count) + " incomplete");
        }
        if (n_dims < 1 || n_dims > MAX_TENSOR_DIMS || name_len < 1 || name_len > MAX_NAME_LENGTH || ttype < 0 ||
            ttype >= GGML_TYPE_COUNT || ggml_type_size(static_cast<ggml_type>(ttype)) == 0) {
            return not_servable("corrupt whisper file: bad tensor record " + std::to_string(count));
        }
        uint64_t n_elements = 1;
        int32_t ne0 = 0;
        for (int32_t d = 0; d < n_dims; ++d) {
            int32_t ne = 0;
            if (!reader.read_i32(ne) || ne < 1) {
                return not_servable("corrupt whisper file: bad tensor shape in record " + std::to_string(count));
            }
            ne0 = d == 0 ? ne : ne0;
            n_elements *= static_cast<uint64_t>(ne);
        }
        const auto type = static_cast<ggml_type>(ttype);
        if (ne0 % ggml_blck_size(type) != 0) {
            return not_servable("corrupt whisper file: row size does not fit its type in record " +
                                std::to_string(count));
        }
        const uint64_t bytes = n_elements / ggml_blck_size(type) * ggml_type_size(type);
        if (!reader.skip(static_cast<uint64_t>(name_len)) || !reader.skip(bytes)) {
            return not_servable("truncated whisper file: tensor " + std::to_string(count) + " data incomplete");
        }
        bytes_by_type[type] += bytes;
        ++count;
    }
    TensorWalk walk{count, {}};
    uint64_t best = 0;
    for (const auto& [type, bytes] : bytes_by_type) {
        if (bytes > best) {
            best = bytes;
            walk.dominant_type = ggml_type_name(type);
        }
    }
    for (char& c : walk.dominant_type) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return walk;
}

}  // namespace

Result<core::ModelFileInfo> probe_whisper_ggml(const std::string& path, uint64_t file_size) {
    FileReader reader(path, file_size);
    WhisperHeader h;
    if (!reader.skip(4) || !reader.read_i32(h.n_vocab)) {
        return not_servable("truncated ggml file");
    }
    if (h.n_vocab > 0 && h.n_vocab <= MAX_ID_LENGTH) {
        auto id = read_other_model_id(reader, h.n_vocab);
        if (!id) {
            return id.error();
        }
        if (id->rfind("silero", 0) == 0) {
            return not_servable("voice-activity-detection model (" + *id +
                                "): used as an option of transcription requests, not served on its own");
        }
        return not_servable("unsupported ggml model '" + *id + "'");
    }
    int32_t* fields[] = {&h.n_audio_ctx,  &h.n_audio_state, &h.n_audio_head, &h.n_audio_layer, &h.n_text_ctx,
                         &h.n_text_state, &h.n_text_head,   &h.n_text_layer, &h.n_mels,        &h.ftype};
    for (int32_t* field : fields) {
        if (!reader.read_i32(*field)) {
            return not_servable("truncated whisper file: header incomplete");
        }
    }
    if (h.n_vocab <= 0 || h.n_audio_layer <= 0 || h.n_text_layer <= 0 || h.n_audio_state != h.n_text_state) {
        return not_servable("corrupt whisper file: implausible hyper-parameters");
    }
    if (auto vocab = skip_filters_and_vocab(reader); !vocab) {
        return vocab.error();
    }
    auto tensors = walk_tensors(reader);
    if (!tensors) {
        return tensors.error();
    }
    if (tensors->count == 0) {
        return not_servable(
            "weightless whisper header (hyper-parameters, mel filters and vocabulary only, no weights)");
    }
    core::ModelFileInfo info;
    info.path = path;
    info.size_bytes = file_size;
    info.kind = core::ModelKind::WHISPER;
    info.format = "ggml";
    info.architecture = "whisper";
    info.quantization = tensors->dominant_type;
    info.context_length = static_cast<uint64_t>(h.n_text_ctx);
    info.embedding_length = static_cast<uint64_t>(h.n_audio_state);
    return info;
}

}  // namespace hearth::engine::detail
