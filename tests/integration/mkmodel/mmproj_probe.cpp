// Runs one image through a generated projector with llama.cpp's own libmtmd (not hearth) and checks what the
// server cannot show: that the encoder's output is finite, not all zeros, and has the expected token count.
//
// usage: mmproj_probe TEXT.gguf MMPROJ.gguf EXPECTED_TOKENS [THREADS]
// prints: tokens=N embd=D encode_ms=T max_abs=M mean_abs=A; exit 0 when all is well, 1 otherwise.

#include <ggml-backend.h>
#include <llama.h>
#include <mtmd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

struct ModelDeleter {
    void operator()(llama_model* model) const { llama_model_free(model); }
};
struct MtmdDeleter {
    void operator()(mtmd_context* ctx) const { mtmd_free(ctx); }
};
struct BitmapDeleter {
    void operator()(mtmd_bitmap* bitmap) const { mtmd_bitmap_free(bitmap); }
};
struct ChunksDeleter {
    void operator()(mtmd_input_chunks* chunks) const { mtmd_input_chunks_free(chunks); }
};

void quiet_log(ggml_log_level level, const char* text, void* /*user_data*/) {
    if (level == GGML_LOG_LEVEL_ERROR) {
        std::fputs(text, stderr);
    }
}

// A non-square gradient, so that preprocessing (resize and pad) has work to do.
std::unique_ptr<mtmd_bitmap, BitmapDeleter> test_image() {
    constexpr uint32_t WIDTH = 120;
    constexpr uint32_t HEIGHT = 90;
    std::vector<unsigned char> rgb(static_cast<size_t>(WIDTH) * HEIGHT * 3);
    for (uint32_t y = 0; y < HEIGHT; ++y) {
        for (uint32_t x = 0; x < WIDTH; ++x) {
            unsigned char* px = &rgb[(static_cast<size_t>(y) * WIDTH + x) * 3];
            px[0] = static_cast<unsigned char>(x * 2);
            px[1] = static_cast<unsigned char>(y * 2);
            px[2] = static_cast<unsigned char>((x * y) % 256);
        }
    }
    return std::unique_ptr<mtmd_bitmap, BitmapDeleter>(mtmd_bitmap_init(WIDTH, HEIGHT, rgb.data()));
}

const mtmd_input_chunk* image_chunk(const mtmd_input_chunks* chunks) {
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); ++i) {
        const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks, i);
        if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_IMAGE) {
            return chunk;
        }
    }
    return nullptr;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "mmproj_probe: %s\n", message.c_str());
    return 1;
}

// Checks the encoder output of n_tokens rows of n_embd floats and prints its summary.
int check_output(const float* out, size_t n_tokens, size_t n_embd, double encode_ms) {
    double max_abs = 0.0;
    double sum_abs = 0.0;
    const size_t n = n_tokens * n_embd;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(out[i])) {
            return fail("encoder output " + std::to_string(i) + " of " + std::to_string(n) + " is not finite");
        }
        max_abs = std::max(max_abs, static_cast<double>(std::fabs(out[i])));
        sum_abs += std::fabs(out[i]);
    }
    if (max_abs == 0.0) {
        return fail("encoder output is all zeros");
    }
    std::printf("tokens=%zu embd=%zu encode_ms=%.1f max_abs=%.4g mean_abs=%.4g\n", n_tokens, n_embd, encode_ms, max_abs,
                sum_abs / static_cast<double>(n));
    return 0;
}

int probe(const char* text_path, const char* mmproj_path, size_t expected_tokens, int threads) {
    llama_model_params model_params = llama_model_default_params();
    model_params.n_gpu_layers = 0;
    const std::unique_ptr<llama_model, ModelDeleter> model(llama_model_load_from_file(text_path, model_params));
    if (!model) {
        return fail(std::string("cannot load the text model ") + text_path);
    }
    mtmd_context_params params = mtmd_context_params_default();
    params.use_gpu = false;
    params.n_threads = threads;
    params.print_timings = false;
    const std::unique_ptr<mtmd_context, MtmdDeleter> ctx(mtmd_init_from_file(mmproj_path, model.get(), params));
    if (!ctx) {
        return fail(std::string("libmtmd refused the projector ") + mmproj_path);
    }
    const auto image = test_image();
    const std::unique_ptr<mtmd_input_chunks, ChunksDeleter> chunks(mtmd_input_chunks_init());
    const std::string prompt = std::string("Describe ") + mtmd_default_marker();
    const mtmd_input_text text{prompt.c_str(), prompt.size(), true, true};
    const mtmd_bitmap* bitmaps[] = {image.get()};
    if (mtmd_tokenize(ctx.get(), chunks.get(), &text, bitmaps, 1) != 0) {
        return fail("mtmd_tokenize failed");
    }
    const mtmd_input_chunk* chunk = image_chunk(chunks.get());
    if (chunk == nullptr) {
        return fail("no image chunk in the tokenized prompt");
    }
    const size_t n_tokens = mtmd_input_chunk_get_n_tokens(chunk);
    if (n_tokens != expected_tokens) {
        return fail("the image took " + std::to_string(n_tokens) + " tokens, expected " +
                    std::to_string(expected_tokens));
    }
    const auto start = std::chrono::steady_clock::now();
    if (mtmd_encode_chunk(ctx.get(), chunk) != 0) {
        return fail("mtmd_encode_chunk failed");
    }
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    const auto n_embd = static_cast<size_t>(llama_model_n_embd(model.get()));
    return check_output(mtmd_get_output_embd(ctx.get()), n_tokens, n_embd, took.count());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 5) {
        std::fprintf(stderr, "usage: %s TEXT.gguf MMPROJ.gguf EXPECTED_TOKENS [THREADS]\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    mtmd_log_set(quiet_log, nullptr);
    ggml_backend_load_all_from_path(HEARTH_GGML_BACKEND_DIR);
    llama_backend_init();
    const int threads = argc == 5 ? std::atoi(argv[4]) : 1;
    const int rc = probe(argv[1], argv[2], std::strtoull(argv[3], nullptr, 10), threads > 0 ? threads : 1);
    llama_backend_free();
    return rc;
}
