#include "sched/media_encoder.h"

#include <algorithm>
#include <exception>

#include "util/log.h"

namespace hearth::sched {

MediaEncoder::MediaEncoder(engine::TextEngine& engine, size_t keep)
    : engine_(engine), keep_(std::max<size_t>(1, keep)) {}

MediaEncoder::~MediaEncoder() {
    stop();
}

void MediaEncoder::request(const core::PromptMedia& item) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || finished_.contains(item.id) || running_ == item.id ||
            std::any_of(queue_.begin(), queue_.end(), [&](const core::PromptMedia& q) { return q.id == item.id; })) {
            return;
        }
        queue_.push_back(item);
        if (!thread_.joinable()) {
            thread_ = std::thread([this] { run(); });
        }
    }
    work_.notify_one();
}

std::optional<Result<MediaRows>> MediaEncoder::result(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto it = finished_.find(id);
    if (it == finished_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void MediaEncoder::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const uint64_t seen = generation_;
    done_.wait_for(lock, timeout, [&] { return generation_ != seen || stopping_; });
}

void MediaEncoder::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    work_.notify_all();
    done_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void MediaEncoder::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) {
            return;
        }
        core::PromptMedia item = std::move(queue_.front());
        queue_.pop_front();
        running_ = item.id;
        lock.unlock();
        Result<MediaRows> out = make_error(ErrorCode::INTERNAL, "the image encoder failed");
        try {
            Result<engine::MediaEmbedding> rows = engine_.encode_media(*item.data);
            out = rows ? Result<MediaRows>(std::make_shared<const engine::MediaEmbedding>(std::move(*rows)))
                       : Result<MediaRows>(rows.error());
        } catch (const std::exception& e) {
            log::error("image encoder threw: {}", e.what());
        }
        lock.lock();
        running_.clear();
        finished_.insert_or_assign(item.id, std::move(out));
        std::erase(finish_order_, item.id);
        finish_order_.push_back(item.id);
        while (finish_order_.size() > keep_) {
            finished_.erase(finish_order_.front());
            finish_order_.pop_front();
        }
        generation_++;
        done_.notify_all();
    }
}

}  // namespace hearth::sched
