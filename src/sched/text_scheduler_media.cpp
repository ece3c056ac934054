// TextScheduler's prompt pieces: text runs up to the next image, and images' rows once encoded, decoded apart
// from the token batch but paced by the same budget, row for token.
#include <algorithm>

#include "sched/text_scheduler.h"
#include "util/log.h"

namespace hearth::sched {

// The encodes a newly admitted prompt needs: every image not wholly in the reused prefix. They start now,
// so that the text before an image prefills while it encodes.
void TextScheduler::request_encodes(const core::GenerationRequest& request, size_t from) {
    for (const core::PromptMedia& item : request.media) {
        if (item.offset + static_cast<size_t>(item.n_tokens) > from && !encoder_.result(item.id)) {
            encoder_.request(item);
        }
    }
}

// The slot's next prompt cell is an image's whose encode has not finished.
bool TextScheduler::awaiting_media(const Slot& slot) const {
    if (slot.state != SlotState::PREFILL || slot.request->media.empty()) {
        return false;
    }
    const core::PromptMedia* item = core::media_at(slot.request->media, slot.n_prompt_done);
    return item != nullptr && !encoder_.result(item->id);
}

// How many of the slot's prompt cells this step takes, at most `budget`: text up to the next image, or rows of
// the image it stands at (then slot.media_rows is set).
int32_t TextScheduler::prompt_piece(Slot& slot, int32_t budget) {
    const core::GenerationRequest& request = *slot.request;
    const size_t done = slot.n_prompt_done;
    size_t end = request.prompt_tokens.size();
    for (const core::PromptMedia& item : request.media) {
        if (done >= item.offset && done < item.offset + static_cast<size_t>(item.n_tokens)) {
            return media_piece(slot, item, budget);
        }
        if (item.offset > done) {
            end = std::min(end, item.offset);
        }
    }
    return static_cast<int32_t>(std::min(static_cast<size_t>(budget), end - done));
}

int32_t TextScheduler::media_piece(Slot& slot, const core::PromptMedia& item, int32_t budget) {
    if (budget <= 0) {
        return 0;
    }
    std::optional<Result<MediaRows>> ready = encoder_.result(item.id);
    if (!ready) {
        encoder_.request(item);  // dropped from the encoder's results since admission: encode it again
        return 0;
    }
    if (!*ready) {
        fail(slot, ready->error());
        return 0;
    }
    const MediaRows& rows = ready->value();
    const auto first = static_cast<int32_t>(slot.n_prompt_done - item.offset);
    const int32_t left = item.n_tokens - first;
    if (rows->n_tokens != item.n_tokens) {
        fail(slot, make_error(ErrorCode::INTERNAL, "the encoder made " + std::to_string(rows->n_tokens) +
                                                       " rows for an image of " + std::to_string(item.n_tokens)));
        return 0;
    }
    slot.media_rows = rows;
    slot.media_first = first;
    // Cells that attend to each other both ways must be decoded in one pass.
    return rows->non_causal ? left : std::min(budget, left);
}

// Decodes this step's image rows, each slot's in a pass of its own. False when the engine failed for good
// (the whole batch was failed).
bool TextScheduler::decode_media_pieces() {
    for (Slot& slot : slots_) {
        if (slot.chunk == 0 || !slot.media_rows || slot.state != SlotState::PREFILL) {
            continue;
        }
        const auto pos = static_cast<int32_t>(slot.cache_tokens.size());
        Result<void> decoded = engine_.decode_media(slot.seq, pos, *slot.media_rows, slot.media_first, slot.chunk);
        slot.media_rows.reset();
        if (!decoded && decoded.error().code == ErrorCode::INTERNAL) {
            fail_batch(decoded.error());
            return false;
        }
        if (!decoded) {
            log::warn("image rows of sequence {} not decoded: {}", slot.seq, decoded.error().message);
            engine_.seq_clear(slot.seq);
            slot.cache_tokens.clear();
            fail(slot, decoded.error());
            continue;
        }
        const auto& prompt = slot.request->prompt_tokens;
        const auto from = static_cast<std::ptrdiff_t>(slot.n_prompt_done);
        slot.cache_tokens.insert(slot.cache_tokens.end(), prompt.begin() + from, prompt.begin() + from + slot.chunk);
        slot.n_prompt_done += static_cast<size_t>(slot.chunk);
        slot.chunk = 0;
    }
    return true;
}

}  // namespace hearth::sched
