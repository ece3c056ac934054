#include "engine/audio_resampler.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>

#include "engine/c_handles.h"

namespace hearth::engine {

namespace {

// Input goes in in pieces so that every count fits libswresample's ints whatever the length; the result
// does not depend on the piece size (the resampler buffers across calls), which the tests check against
// ffmpeg, whose filter graph feeds 512-sample frames.
constexpr size_t CHUNK = size_t{1} << 14;
// The tail of the longest default filter is far shorter; the cap only guards against a resampler that
// never reports empty.
constexpr int MAX_FLUSH_CALLS = 64;
constexpr int FLUSH_CAPACITY = 1024;

Error failed(const char* what) {
    return make_error(ErrorCode::INTERNAL, std::string("resampling failed: ") + what);
}

Result<swr_ptr> open_resampler(int from_rate, int to_rate, AVSampleFormat format) {
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* raw = nullptr;
    const int rc = swr_alloc_set_opts2(&raw, &mono, format, to_rate, &mono, format, from_rate, 0, nullptr);
    swr_ptr swr(raw);
    if (rc < 0 || !swr || swr_init(swr.get()) < 0) {
        return failed("cannot set up libswresample");
    }
    return swr;
}

// Converts count samples (in null: drains the resampler) and appends what comes out; returns how many.
template <typename T>
Result<int> convert(SwrContext* swr, const T* in, int count, std::vector<T>& out) {
    int capacity = swr_get_out_samples(swr, count);
    if (capacity < 0) {
        return failed("no output size");
    }
    capacity = in == nullptr ? std::max(capacity, FLUSH_CAPACITY) : capacity;
    const size_t start = out.size();
    out.resize(start + static_cast<size_t>(capacity));
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + start);
    const auto* src = reinterpret_cast<const uint8_t*>(in);
    const int n = swr_convert(swr, &dst, capacity, in != nullptr ? &src : nullptr, count);
    out.resize(start + static_cast<size_t>(std::max(n, 0)));
    if (n < 0) {
        return failed("swr_convert");
    }
    return n;
}

template <typename T>
Result<std::vector<T>> resample(std::span<const T> in, int from_rate, int to_rate, AVSampleFormat format) {
    if (from_rate <= 0 || to_rate <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "sample rates must be positive");
    }
    if (from_rate == to_rate || in.empty()) {
        return std::vector<T>(in.begin(), in.end());
    }
    auto swr = open_resampler(from_rate, to_rate, format);
    if (!swr) {
        return swr.error();
    }
    std::vector<T> out;
    out.reserve(static_cast<size_t>(static_cast<double>(in.size()) * to_rate / from_rate) + FLUSH_CAPACITY);
    for (size_t pos = 0; pos < in.size(); pos += CHUNK) {
        const auto count = static_cast<int>(std::min(CHUNK, in.size() - pos));
        if (auto n = convert(swr->get(), in.data() + pos, count, out); !n) {
            return n.error();
        }
    }
    // The filter's delay holds the last samples back until a call without input drains them.
    for (int call = 0; call < MAX_FLUSH_CALLS; ++call) {
        auto n = convert<T>(swr->get(), nullptr, 0, out);
        if (!n) {
            return n.error();
        }
        if (*n == 0) {
            return out;
        }
    }
    return failed("the resampler does not drain");
}

}  // namespace

Result<std::vector<int16_t>> resample_s16(std::span<const int16_t> in, int from_rate, int to_rate) {
    return resample(in, from_rate, to_rate, AV_SAMPLE_FMT_S16);
}

Result<std::vector<float>> resample_float(std::span<const float> in, int from_rate, int to_rate) {
    return resample(in, from_rate, to_rate, AV_SAMPLE_FMT_FLT);
}

}  // namespace hearth::engine
