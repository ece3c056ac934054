// Images through the real engine on a generated pair (hearth-mkmodel's tiny-qwen2 with its own output matrix,
// and a LLaVA-1.5-shaped CLIP projector sized for it): the projector's cells, refusals of what it cannot use,
// greedy answers that do not depend on what else the batch holds, and a follow-up turn that reuses the image's
// cells instead of decoding them again.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "engine/backend.h"
#include "engine/llama_text_engine.h"
#include "png_writer.h"
#include "sched/text_scheduler.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using engine::LlamaTextEngine;

constexpr int32_t N_SLOTS = 9;

// Runs a generator command once per build into the build tree (again when hearth-mkmodel is newer than the file);
// written aside and renamed, so that tests running in parallel never load half a file.
std::string generated(const std::string& name, const std::string& args) {
    const fs::path dir(HEARTH_VISION_MODELS_DIR);
    const fs::path file = dir / name;
    std::error_code ec;
    if (fs::exists(file, ec) && fs::last_write_time(file, ec) >= fs::last_write_time(HEARTH_MKMODEL, ec)) {
        return file.string();
    }
    fs::create_directories(dir, ec);
    const fs::path partial = dir / (name + "." + std::to_string(::getpid()) + ".part");
    const std::string command =
        std::string(HEARTH_MKMODEL) + " " + args + " -o " + partial.string() + " > /dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    fs::rename(partial, file, ec);
    return file.string();
}

std::string text_model() {
    return generated("tiny-qwen2.gguf", "--preset tiny-qwen2 --untied --type f16 --seed 7");
}

std::string projector() {
    return generated("mmproj-tiny-qwen2.gguf",
                     "--preset tiny-clip-mlp --type f16 --seed 3 --mmproj-for " + text_model());
}

engine::TextEngineOptions vision_options() {
    engine::TextEngineOptions options;
    options.path = text_model();
    options.mmproj = projector();
    options.n_slots = N_SLOTS;
    options.n_ctx_per_slot = 1024;
    options.n_batch = 512;
    options.n_ubatch = 512;
    options.n_threads = 1;
    return options;
}

class VisionEngineTest : public ::testing::Test {
protected:
    static void TearDownTestSuite() { engine_.reset(); }

    static LlamaTextEngine& engine() {
        static engine::BackendGuard backend;
        if (!engine_) {
            auto loaded = LlamaTextEngine::load(vision_options());
            if (!loaded) {
                ADD_FAILURE() << loaded.error().message;
                std::abort();
            }
            engine_ = std::move(loaded).value();
        }
        return *engine_;
    }

    // A user turn holding the given images (each at a marker) before the text, rendered by the model's template.
    static engine::MediaPrompt prompt(const std::vector<std::string>& images, const std::string& text) {
        std::string content;
        for (size_t i = 0; i < images.size(); ++i) {
            content += engine().projector()->marker();
        }
        auto rendered = engine().apply_chat_template({{"user", content + text}}, true, {});
        EXPECT_TRUE(rendered) << rendered.error().message;
        auto tokens = engine().projector()->tokenize(rendered ? *rendered : "", images, true);
        EXPECT_TRUE(tokens) << tokens.error().message;
        return tokens ? std::move(tokens).value() : engine::MediaPrompt{};
    }

    static inline std::unique_ptr<LlamaTextEngine> engine_;
};

core::GenerationRequest greedy(const engine::MediaPrompt& prompt, int32_t max_tokens, bool cache_prompt = false) {
    core::GenerationRequest r;
    r.prompt_tokens = prompt.tokens;
    r.media = prompt.media;
    r.max_tokens = max_tokens;
    r.sampling.temperature = 0.0f;
    r.sampling.ignore_eos = true;
    r.cache_prompt = cache_prompt;
    r.events = std::make_shared<core::EventChannel>(static_cast<size_t>(max_tokens) + 8);
    return r;
}

struct Answer {
    std::vector<int32_t> tokens;
    core::Usage usage;
    std::string error;
};

Answer collect(core::EventChannel& events) {
    Answer out;
    std::optional<core::GenerationEvent> ev;
    while (events.pop(ev, 60s) == PopStatus::OK) {
        if (auto* token = std::get_if<core::TokenEvent>(&*ev)) {
            out.tokens.insert(out.tokens.end(), token->tokens.begin(), token->tokens.end());
        } else if (auto* fin = std::get_if<core::FinishEvent>(&*ev)) {
            out.usage = fin->usage;
            return out;
        } else {
            out.error = std::get<core::ErrorEvent>(*ev).error.message;
            return out;
        }
    }
    out.error = "no answer within 60 s";
    return out;
}

Answer run_alone(sched::TextScheduler& scheduler, core::GenerationRequest request) {
    auto events = request.events;
    EXPECT_TRUE(scheduler.submit(std::move(request)));
    return collect(*events);
}

TEST_F(VisionEngineTest, TheProjectorTurnsEachImageIntoItsCells) {
    ASSERT_NE(engine().projector(), nullptr);
    EXPECT_TRUE(engine().projector()->vision());
    const engine::MediaPrompt one = prompt({testing::make_png(64, 48, 1)}, "What is this?");
    ASSERT_EQ(one.media.size(), 1u);
    const core::PromptMedia& image = one.media[0];
    EXPECT_GT(image.n_tokens, 0);
    EXPECT_EQ(image.id.size(), 64u);  // its SHA-256, in hex
    for (int32_t i = 0; i < image.n_tokens; ++i) {
        EXPECT_EQ(one.tokens[image.offset + static_cast<size_t>(i)], core::media_placeholder(image.id, i));
    }
    EXPECT_FALSE(core::is_media_placeholder(one.tokens.back()));
    // Every image of a square projector takes the same cells; the same bytes give the same id.
    const engine::MediaPrompt two = prompt({testing::make_png(300, 20, 2), testing::make_png(64, 48, 1)}, "Compare.");
    ASSERT_EQ(two.media.size(), 2u);
    EXPECT_EQ(two.media[0].n_tokens, image.n_tokens);
    EXPECT_NE(two.media[0].id, image.id);
    EXPECT_EQ(two.media[1].id, image.id);
}

TEST_F(VisionEngineTest, WhatIsNoImageIsRefusedAndTheEngineGoesOn) {
    const engine::MediaProjector& projector = *engine().projector();
    const std::string png = testing::make_png(32, 32, 4);
    for (const std::string& bad :
         {std::string("not an image at all"), png.substr(0, png.size() / 2), std::string(png.size(), '\0')}) {
        auto out = projector.tokenize("<" + projector.marker() + ">", {bad}, true);
        ASSERT_FALSE(out);
        EXPECT_EQ(out.error().code, ErrorCode::INVALID_ARGUMENT);
    }
    auto mismatch = projector.tokenize("no marker here", {png}, true);
    ASSERT_FALSE(mismatch);
    EXPECT_EQ(mismatch.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_TRUE(projector.tokenize(projector.marker() + " fine", {png}, true));
}

TEST_F(VisionEngineTest, ImagesOfExtremeShapesAreAnswered) {
    sched::TextScheduler scheduler(engine(), {});
    for (const auto& [width, height] : {std::pair{1u, 1u}, std::pair{2000u, 1u}, std::pair{1u, 2000u}}) {
        const Answer answer = run_alone(scheduler, greedy(prompt({testing::make_png(width, height, 3)}, "Shape?"), 2));
        EXPECT_TRUE(answer.error.empty()) << width << "x" << height << ": " << answer.error;
        EXPECT_EQ(answer.tokens.size(), 2u);
    }
}

TEST_F(VisionEngineTest, AnImageRequestAmongTextStreamsAnswersAsAlone) {
    sched::TextScheduler scheduler(engine(), {});
    const engine::MediaPrompt image = prompt({testing::make_png(64, 48, 5)}, "Describe the picture.");
    std::vector<engine::MediaPrompt> texts;
    for (int i = 0; i < N_SLOTS - 1; ++i) {
        texts.push_back(prompt({}, "Story number " + std::to_string(i) + " begins"));
    }
    const Answer alone = run_alone(scheduler, greedy(image, 16));
    ASSERT_TRUE(alone.error.empty()) << alone.error;
    std::vector<Answer> texts_alone;
    for (const auto& text : texts) {
        texts_alone.push_back(run_alone(scheduler, greedy(text, 24)));
    }
    std::vector<std::shared_ptr<core::EventChannel>> channels;
    for (const auto& text : texts) {
        auto request = greedy(text, 24);
        channels.push_back(request.events);
        ASSERT_TRUE(scheduler.submit(std::move(request)));
    }
    std::this_thread::sleep_for(20ms);  // the text streams are generating when the image arrives
    auto request = greedy(image, 16);
    auto image_events = request.events;
    ASSERT_TRUE(scheduler.submit(std::move(request)));
    const Answer together = collect(*image_events);
    EXPECT_EQ(together.tokens, alone.tokens);
    EXPECT_EQ(together.usage.prompt_tokens, static_cast<int32_t>(image.tokens.size()));
    for (size_t i = 0; i < channels.size(); ++i) {
        EXPECT_EQ(collect(*channels[i]).tokens, texts_alone[i].tokens) << "text stream " << i;
    }
}

TEST_F(VisionEngineTest, AFollowUpTurnReusesTheImageCells) {
    sched::TextScheduler scheduler(engine(), {});
    const std::string png = testing::make_png(48, 48, 6);
    const engine::MediaPrompt first = prompt({png}, "What is in the image?");
    const Answer answer = run_alone(scheduler, greedy(first, 8, true));
    ASSERT_TRUE(answer.error.empty()) << answer.error;
    engine::MediaPrompt next = first;
    next.tokens.insert(next.tokens.end(), answer.tokens.begin(), answer.tokens.end());
    const engine::MediaPrompt more = prompt({}, "And the colours?");
    next.tokens.insert(next.tokens.end(), more.tokens.begin() + 1, more.tokens.end());  // without its BOS, if any
    const Answer warm = run_alone(scheduler, greedy(next, 8, true));
    const Answer cold = run_alone(scheduler, greedy(next, 8, false));
    ASSERT_TRUE(warm.error.empty()) << warm.error;
    const auto image_end = static_cast<int32_t>(first.media[0].offset) + first.media[0].n_tokens;
    EXPECT_GE(warm.usage.cached_prompt_tokens, image_end);
    EXPECT_EQ(cold.usage.cached_prompt_tokens, 0);
    EXPECT_EQ(warm.tokens, cold.tokens);  // the reused cells are the cells a full evaluation makes
}

// Gemma 3's images attend both ways and must be decoded in one pass: a context whose batch is smaller refuses
// them (llama.cpp would assert and abort), and serving goes on.
TEST(VisionEngine, AWholeImageLargerThanTheBatchIsRefusedNotAborted) {
    engine::BackendGuard backend;
    engine::TextEngineOptions options = vision_options();
    options.mmproj = generated("mmproj-gemma3-tiny-qwen2.gguf",
                               "--preset tiny-gemma3-vision --type f16 --seed 5 --mmproj-for " + text_model());
    options.n_slots = 1;
    options.n_batch = 8;
    options.n_ubatch = 8;
    auto loaded = LlamaTextEngine::load(options);
    ASSERT_TRUE(loaded) << loaded.error().message;
    LlamaTextEngine& engine = **loaded;
    const std::string marker = engine.projector()->marker();
    auto prompt = engine.projector()->tokenize(marker + " what is it?", {testing::make_png(32, 32, 8)}, true);
    ASSERT_TRUE(prompt) << prompt.error().message;
    ASSERT_EQ(prompt->media.size(), 1u);
    EXPECT_TRUE(prompt->media[0].whole);
    ASSERT_GT(prompt->media[0].n_tokens, engine.n_whole_media());
    sched::TextScheduler scheduler(engine, {});
    const Answer refused = run_alone(scheduler, greedy(*prompt, 4));
    EXPECT_NE(refused.error.find("one pass"), std::string::npos) << refused.error;
    auto text = engine.tokenize("plain text still works", true, true);
    ASSERT_TRUE(text);
    const Answer fine = run_alone(scheduler, greedy({*text, {}}, 4));
    EXPECT_TRUE(fine.error.empty()) << fine.error;
    EXPECT_EQ(fine.tokens.size(), 4u);
}

TEST(VisionEngine, ATextOnlyModelTakesNoImages) {
    engine::BackendGuard backend;
    engine::TextEngineOptions options = vision_options();
    options.mmproj.clear();
    options.n_slots = 1;
    auto loaded = LlamaTextEngine::load(options);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ((*loaded)->projector(), nullptr);
    struct Unknown final : core::MediaData {};
    auto encoded = (*loaded)->encode_media(Unknown{});
    ASSERT_FALSE(encoded);
    EXPECT_EQ(encoded.error().code, ErrorCode::UNSUPPORTED);
}

TEST(VisionEngine, AProjectorForAnotherModelOrNoneAtAllIsRefused) {
    engine::BackendGuard backend;
    engine::TextEngineOptions options = vision_options();
    options.n_slots = 1;
    options.mmproj = generated("mmproj-wide.gguf", "--preset tiny-clip-mlp --type f16 --proj-embd 96");
    auto wrong = LlamaTextEngine::load(options);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::INVALID_ARGUMENT);
    options.mmproj = options.path;  // a text model is no projector
    auto not_projector = LlamaTextEngine::load(options);
    ASSERT_FALSE(not_projector);
    EXPECT_EQ(not_projector.error().code, ErrorCode::INVALID_ARGUMENT);
    options.mmproj = "/nonexistent/mmproj.gguf";
    auto missing = LlamaTextEngine::load(options);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::NOT_FOUND);
}

}  // namespace
}  // namespace hearth
