#include "sched/text_output.h"

#include <algorithm>

namespace hearth::sched {

size_t incomplete_utf8_tail(std::string_view text) {
    // Look back at most 3 bytes for the lead byte of the last sequence.
    const size_t n = text.size();
    for (size_t back = 1; back <= std::min<size_t>(n, 4); ++back) {
        const auto c = static_cast<unsigned char>(text[n - back]);
        if ((c & 0xC0) == 0x80) {
            continue;  // continuation byte: keep looking for the lead
        }
        size_t need = 1;
        if ((c & 0xE0) == 0xC0) {
            need = 2;
        } else if ((c & 0xF0) == 0xE0) {
            need = 3;
        } else if ((c & 0xF8) == 0xF0) {
            need = 4;
        }
        return back < need ? back : 0;
    }
    return 0;  // only continuation bytes: invalid, not incomplete; let it through to be replaced downstream
}

TextOutput::TextOutput(std::vector<std::string> stop) : stop_(std::move(stop)) {
    stop_.erase(std::remove(stop_.begin(), stop_.end(), std::string()), stop_.end());
}

// The longest suffix of pending_ that is a proper prefix of some stop string.
size_t TextOutput::hold_back_for_stop() const {
    size_t hold = 0;
    for (const std::string& s : stop_) {
        for (size_t len = std::min(s.size() - 1, pending_.size()); len > hold; --len) {
            if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
                hold = len;
                break;
            }
        }
    }
    return hold;
}

TextOutput::Step TextOutput::push(std::string_view piece) {
    pending_.append(piece);
    Step step;
    size_t first_stop = std::string::npos;
    for (const std::string& s : stop_) {
        if (const size_t at = pending_.find(s); at < first_stop) {
            first_stop = at;
            matched_ = s;  // the earliest; of two at one place, the first listed
        }
    }
    if (first_stop != std::string::npos) {
        step.text = pending_.substr(0, first_stop);
        step.stopped = true;
        pending_.clear();
        return step;
    }
    const size_t hold = std::max(hold_back_for_stop(), incomplete_utf8_tail(pending_));
    step.text = pending_.substr(0, pending_.size() - hold);
    pending_.erase(0, pending_.size() - hold);
    return step;
}

std::string TextOutput::flush() {
    std::string out;
    out.swap(pending_);
    const size_t tail = incomplete_utf8_tail(out);
    if (tail > 0) {
        out.resize(out.size() - tail);
        out += "\xEF\xBF\xBD";
    }
    return out;
}

}  // namespace hearth::sched
