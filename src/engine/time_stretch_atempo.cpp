// Speeds other than 1 through a libavfilter graph: abuffer -> atempo [-> atempo] -> abuffersink, float mono
// at the input's rate all the way (no conversion is negotiated in between). FFmpeg 5.1's atempo takes
// 0.5..100 per stage, so speeds below 0.5 take two equal stages (0.25 = 0.5 x 0.5).

#include "engine/time_stretch.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/c_handles.h"

namespace hearth::engine {

void AvFilterGraphDeleter::operator()(AVFilterGraph* graph) const {
    avfilter_graph_free(&graph);
}

namespace {

constexpr double MIN_ATEMPO = 0.5;
// Input goes to the graph in frames of this many samples, whatever pieces it arrives in: the output then does
// not depend on the pieces (and equals the ffmpeg tool's, whose raw demuxer reads 1024-sample packets), and
// no frame is so short that atempo sizes its output at zero samples (it fails with ENOMEM when
// n_in / tempo rounds to 0).
constexpr size_t FRAME = 1024;

Error filter_error(const char* what, int rc) {
    std::string message = std::string("time stretch failed: ") + what;
    if (rc < 0) {
        char text[AV_ERROR_MAX_STRING_SIZE] = {};
        av_strerror(rc, text, sizeof(text));
        message += std::string(": ") + text;
    }
    return make_error(ErrorCode::INTERNAL, message);
}

class AtempoStretch final : public TimeStretch {
public:
    Result<void> open(int sample_rate, double speed);
    Result<std::vector<float>> process(std::span<const float> samples) override;
    Result<std::vector<float>> finish() override;

private:
    Result<AVFilterContext*> add_filter(const char* filter, const char* name, const char* args);
    Result<AVFilterContext*> add_atempo(const char* name, double tempo);
    Result<void> push(const float* samples, int count);
    Result<void> pull(std::vector<float>& out);

    int sample_rate_ = 0;
    size_t min_last_frame_ = 1;  // the shortest frame the first atempo stage turns into a sample or more
    bool done_ = false;
    std::vector<float> pending_;  // input short of a frame
    int64_t next_pts_ = 0;
    av_filter_graph_ptr graph_;
    AVFilterContext* source_ = nullptr;  // owned by graph_, as is sink_
    AVFilterContext* sink_ = nullptr;
    av_frame_ptr frame_;
};

Result<AVFilterContext*> AtempoStretch::add_filter(const char* filter, const char* name, const char* args) {
    const AVFilter* kind = avfilter_get_by_name(filter);
    if (kind == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, std::string("this FFmpeg build has no ") + filter + " filter",
                          "speed");
    }
    AVFilterContext* ctx = nullptr;
    if (const int rc = avfilter_graph_create_filter(&ctx, kind, name, args, nullptr, graph_.get()); rc < 0) {
        return filter_error("cannot create a filter", rc);
    }
    return ctx;
}

// The tempo set as a double option, not through text (no rounding, no locale).
Result<AVFilterContext*> AtempoStretch::add_atempo(const char* name, double tempo) {
    const AVFilter* kind = avfilter_get_by_name("atempo");
    if (kind == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, "this FFmpeg build has no atempo filter", "speed");
    }
    AVFilterContext* ctx = avfilter_graph_alloc_filter(graph_.get(), kind, name);
    if (ctx == nullptr) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the time stretch");
    }
    int rc = av_opt_set_double(ctx, "tempo", tempo, AV_OPT_SEARCH_CHILDREN);
    rc = rc < 0 ? rc : avfilter_init_str(ctx, nullptr);
    if (rc < 0) {
        return filter_error("cannot set up atempo", rc);
    }
    return ctx;
}

Result<void> AtempoStretch::open(int sample_rate, double speed) {
    sample_rate_ = sample_rate;
    graph_.reset(avfilter_graph_alloc());
    frame_.reset(av_frame_alloc());
    if (!graph_ || !frame_) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the time stretch");
    }
    graph_->nb_threads = 1;  // one response's audio: no thread pool per request
    const std::string rate = std::to_string(sample_rate);
    const std::string source_args = "sample_rate=" + rate + ":sample_fmt=flt:channel_layout=mono:time_base=1/" + rate;
    const bool two_stages = speed < MIN_ATEMPO;
    const double tempo = two_stages ? std::sqrt(speed) : speed;
    min_last_frame_ = std::max<size_t>(1, static_cast<size_t>(std::ceil(tempo / 2)));
    auto source = add_filter("abuffer", "in", source_args.c_str());
    auto first = source ? add_atempo("tempo1", tempo) : source;
    auto second = first && two_stages ? add_atempo("tempo2", tempo) : first;
    auto sink = second ? add_filter("abuffersink", "out", nullptr) : second;
    if (!sink) {
        return sink.error();
    }
    source_ = *source;
    sink_ = *sink;
    // The sink insists on what went in, so that the graph cannot slip a conversion in.
    const AVSampleFormat format = AV_SAMPLE_FMT_FLT;
    int rc = av_opt_set_bin(sink_, "sample_fmts", reinterpret_cast<const uint8_t*>(&format), sizeof(format),
                            AV_OPT_SEARCH_CHILDREN);
    rc = rc < 0 ? rc
                : av_opt_set_bin(sink_, "sample_rates", reinterpret_cast<const uint8_t*>(&sample_rate),
                                 sizeof(sample_rate), AV_OPT_SEARCH_CHILDREN);
    rc = rc < 0 ? rc : avfilter_link(*source, 0, *first, 0);
    rc = rc < 0 || !two_stages ? rc : avfilter_link(*first, 0, *second, 0);
    rc = rc < 0 ? rc : avfilter_link(*second, 0, sink_, 0);
    rc = rc < 0 ? rc : avfilter_graph_config(graph_.get(), nullptr);
    if (rc < 0) {
        return filter_error("cannot set up the filter graph", rc);
    }
    return {};
}

// Hands count samples (null: the end of the input) to the graph.
Result<void> AtempoStretch::push(const float* samples, int count) {
    if (samples == nullptr) {
        if (const int rc = av_buffersrc_add_frame_flags(source_, nullptr, 0); rc < 0) {
            return filter_error("cannot end the input", rc);
        }
        return {};
    }
    av_frame_unref(frame_.get());
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    frame_->nb_samples = count;
    frame_->format = AV_SAMPLE_FMT_FLT;
    frame_->sample_rate = sample_rate_;
    int rc = av_channel_layout_copy(&frame_->ch_layout, &mono);
    rc = rc < 0 ? rc : av_frame_get_buffer(frame_.get(), 0);
    if (rc < 0) {
        return filter_error("cannot allocate a frame", rc);
    }
    std::memcpy(frame_->data[0], samples, static_cast<size_t>(count) * sizeof(float));
    frame_->pts = next_pts_;
    next_pts_ += count;
    if (rc = av_buffersrc_add_frame_flags(source_, frame_.get(), 0); rc < 0) {
        return filter_error("cannot feed the filter", rc);
    }
    return {};
}

// Appends every frame the graph has ready.
Result<void> AtempoStretch::pull(std::vector<float>& out) {
    while (true) {
        const int rc = av_buffersink_get_frame(sink_, frame_.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            return {};
        }
        if (rc < 0) {
            return filter_error("cannot take the filtered audio", rc);
        }
        const auto* data = reinterpret_cast<const float*>(frame_->data[0]);
        out.insert(out.end(), data, data + frame_->nb_samples);
        av_frame_unref(frame_.get());
    }
}

Result<std::vector<float>> AtempoStretch::process(std::span<const float> samples) {
    if (done_) {
        return make_error(ErrorCode::INTERNAL, "the time stretch has already finished");
    }
    pending_.insert(pending_.end(), samples.begin(), samples.end());
    std::vector<float> out;
    size_t pos = 0;
    for (; pending_.size() - pos >= FRAME; pos += FRAME) {
        auto pushed = push(pending_.data() + pos, static_cast<int>(FRAME));
        auto pulled = pushed ? pull(out) : pushed;
        if (!pulled) {
            done_ = true;  // the graph's state is unknown after a failure
            return pulled.error();
        }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pos));
    return out;
}

Result<std::vector<float>> AtempoStretch::finish() {
    if (done_) {
        return make_error(ErrorCode::INTERNAL, "the time stretch has already finished");
    }
    done_ = true;
    // A last piece too short for atempo (a single sample at speeds above 2: 1/24000 s) is dropped.
    Result<void> pushed;
    if (pending_.size() >= min_last_frame_) {
        pushed = push(pending_.data(), static_cast<int>(pending_.size()));
    }
    pushed = pushed ? push(nullptr, 0) : pushed;
    std::vector<float> out;
    auto pulled = pushed ? pull(out) : pushed;
    if (!pulled) {
        return pulled.error();
    }
    return out;
}

}  // namespace

Result<std::unique_ptr<TimeStretch>> create_atempo_stretch(int sample_rate, double speed) {
    auto stretch = std::make_unique<AtempoStretch>();
    if (auto opened = stretch->open(sample_rate, speed); !opened) {
        return opened.error();
    }
    return std::unique_ptr<TimeStretch>(std::move(stretch));
}

}  // namespace hearth::engine
