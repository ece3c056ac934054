#pragma once
// Every C handle hearth holds lives in a std::unique_ptr with one of these deleters; this header is the
// only place that names the engines' free functions (libmtmd's included). Declare a model before the contexts made from
// it so that members are destroyed contexts-first.

#include <ggml.h>
#include <gguf.h>
#include <llama.h>
#include <mtmd.h>
#include <whisper.h>

#include <cstdio>
#include <memory>

// llama.cpp common's chat templates (libllama-common). The full type lives in <chat.h>, which pulls in the
// Jinja engine; only engine/chat_template.cpp and engine/chat_output_parser.cpp include it, so the handle is
// declared here by name.
struct common_chat_templates;
void common_chat_templates_free(struct common_chat_templates* tmpls);

// FFmpeg (libavformat, libavcodec, libswresample), used by engine/audio_decoder.cpp only: declared by
// name here, their deleters are defined there.
struct AVFormatContext;
struct AVIOContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct SwrContext;
// Output side (engine/audio_encoder_ffmpeg.cpp: an output AVFormatContext is freed differently from an input's)
// and libavfilter (engine/time_stretch_atempo.cpp), their deleters defined there.
struct AVFilterGraph;

// flite (libflite and its voices), used by engine/flite_voice.cpp only: declared by name here (flite's
// headers stay out of every other file), their deleters are defined there.
struct cst_voice_struct;
struct cst_utterance_struct;
struct cst_audio_streaming_info_struct;

namespace hearth::engine {

struct GgmlContextDeleter {
    void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};
struct GgufContextDeleter {
    void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
struct LlamaModelDeleter {
    void operator()(llama_model* model) const { llama_model_free(model); }
};
struct LlamaContextDeleter {
    void operator()(llama_context* ctx) const { llama_free(ctx); }
};
struct LlamaSamplerDeleter {
    void operator()(llama_sampler* sampler) const { llama_sampler_free(sampler); }
};
struct WhisperContextDeleter {
    void operator()(whisper_context* ctx) const { whisper_free(ctx); }
};
struct WhisperStateDeleter {
    void operator()(whisper_state* state) const { whisper_free_state(state); }
};
struct WhisperVadDeleter {
    void operator()(whisper_vad_context* ctx) const { whisper_vad_free(ctx); }
};
struct WhisperVadSegmentsDeleter {
    void operator()(whisper_vad_segments* segments) const { whisper_vad_free_segments(segments); }
};
struct MtmdContextDeleter {
    void operator()(mtmd_context* ctx) const { mtmd_free(ctx); }
};
struct MtmdBitmapDeleter {
    void operator()(mtmd_bitmap* bitmap) const { mtmd_bitmap_free(bitmap); }
};
struct MtmdChunksDeleter {
    void operator()(mtmd_input_chunks* chunks) const { mtmd_input_chunks_free(chunks); }
};
struct MtmdChunkDeleter {
    void operator()(mtmd_input_chunk* chunk) const { mtmd_input_chunk_free(chunk); }
};
struct FileDeleter {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

using ggml_context_ptr = std::unique_ptr<ggml_context, GgmlContextDeleter>;
using gguf_context_ptr = std::unique_ptr<gguf_context, GgufContextDeleter>;
using llama_model_ptr = std::unique_ptr<llama_model, LlamaModelDeleter>;
using llama_context_ptr = std::unique_ptr<llama_context, LlamaContextDeleter>;
using llama_sampler_ptr = std::unique_ptr<llama_sampler, LlamaSamplerDeleter>;
using whisper_context_ptr = std::unique_ptr<whisper_context, WhisperContextDeleter>;
using whisper_state_ptr = std::unique_ptr<whisper_state, WhisperStateDeleter>;
using whisper_vad_ptr = std::unique_ptr<whisper_vad_context, WhisperVadDeleter>;
using whisper_vad_segments_ptr = std::unique_ptr<whisper_vad_segments, WhisperVadSegmentsDeleter>;
using mtmd_context_ptr = std::unique_ptr<mtmd_context, MtmdContextDeleter>;
using mtmd_bitmap_ptr = std::unique_ptr<mtmd_bitmap, MtmdBitmapDeleter>;
using mtmd_chunks_ptr = std::unique_ptr<mtmd_input_chunks, MtmdChunksDeleter>;
using mtmd_chunk_ptr = std::unique_ptr<mtmd_input_chunk, MtmdChunkDeleter>;
using file_ptr = std::unique_ptr<std::FILE, FileDeleter>;

struct CommonChatTemplatesDeleter {
    void operator()(common_chat_templates* tmpls) const { common_chat_templates_free(tmpls); }
};
using chat_templates_ptr = std::unique_ptr<common_chat_templates, CommonChatTemplatesDeleter>;

struct AvFormatDeleter {
    void operator()(AVFormatContext* ctx) const;  // avformat_close_input
};
struct AvIoDeleter {
    void operator()(AVIOContext* io) const;  // av_freep(&io->buffer), avio_context_free
};
struct AvCodecDeleter {
    void operator()(AVCodecContext* ctx) const;  // avcodec_free_context
};
struct AvFrameDeleter {
    void operator()(AVFrame* frame) const;  // av_frame_free
};
struct AvPacketDeleter {
    void operator()(AVPacket* packet) const;  // av_packet_free
};
struct SwrDeleter {
    void operator()(SwrContext* swr) const;  // swr_free
};
using av_format_ptr = std::unique_ptr<AVFormatContext, AvFormatDeleter>;
using av_io_ptr = std::unique_ptr<AVIOContext, AvIoDeleter>;
using av_codec_ptr = std::unique_ptr<AVCodecContext, AvCodecDeleter>;
using av_frame_ptr = std::unique_ptr<AVFrame, AvFrameDeleter>;
using av_packet_ptr = std::unique_ptr<AVPacket, AvPacketDeleter>;
using swr_ptr = std::unique_ptr<SwrContext, SwrDeleter>;
struct AvOutputDeleter {
    void operator()(AVFormatContext* ctx) const;  // avformat_free_context (custom AVIO: pb stays the caller's)
};
struct AvFilterGraphDeleter {
    void operator()(AVFilterGraph* graph) const;  // avfilter_graph_free (its filters go with it)
};
using av_output_ptr = std::unique_ptr<AVFormatContext, AvOutputDeleter>;
using av_filter_graph_ptr = std::unique_ptr<AVFilterGraph, AvFilterGraphDeleter>;

// A flite voice is freed by its own unregister_cmu_us_* function, which the deleter carries.
struct FliteVoiceDeleter {
    void (*unregister)(cst_voice_struct* voice) = nullptr;
    void operator()(cst_voice_struct* voice) const;  // unregister(voice)
};
struct FliteUtteranceDeleter {
    void operator()(cst_utterance_struct* utt) const;  // delete_utterance (its wave goes with it)
};
struct FliteStreamingInfoDeleter {
    void operator()(cst_audio_streaming_info_struct* info) const;  // delete_audio_streaming_info
};
using flite_voice_ptr = std::unique_ptr<cst_voice_struct, FliteVoiceDeleter>;
using flite_utterance_ptr = std::unique_ptr<cst_utterance_struct, FliteUtteranceDeleter>;
using flite_streaming_info_ptr = std::unique_ptr<cst_audio_streaming_info_struct, FliteStreamingInfoDeleter>;

}  // namespace hearth::engine
