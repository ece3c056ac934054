// decode_audio for a build without FFmpeg (HEARTH_FFMPEG=OFF): WAVE files only, through wav_decoder.

#include "engine/audio_decoder.h"
#include "engine/wav_decoder.h"

namespace hearth::engine {

Result<DecodedAudio> decode_audio(std::string_view bytes, double max_seconds) {
    return decode_wav(bytes, max_seconds);
}

}  // namespace hearth::engine
