// LlamaTextEngine on the real stories260K files (shared/models): tokenizer, the greedy golden text, batch
// invariance, KV truncation, chat templates, refused inputs, load failures, seeded sampling, logprobs; and
// agreement with llama.cpp's own llama-completion, greedy and (through the scheduler) with penalties.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <variant>
#include <vector>

#include "engine/backend.h"
#include "engine/llama_text_engine.h"
#include "sched/text_scheduler.h"
#include "stories_engine.h"
#include "temp_dir.h"

namespace hearth {
namespace {

using engine::LlamaTextEngine;

using testing::ensure_backend;

const std::string MODELS = testing::models_dir();
const std::string F32 = testing::STORIES_F32;
const std::string CHATML = testing::STORIES_CHATML;
const std::string PROMPT = "Once upon a time";
const std::vector<int32_t> PROMPT_TOKENS = {1, 403, 407, 261, 378};
// Greedy, 64 tokens, as llama-server and karpathy's llama2.c produce it (MODELS.md).
const std::string GOLDEN =
    ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red "
    "ball. She wanted to play with it, but it was too high.\nLily's mom said";
constexpr int32_t N_PREDICT = 64;
constexpr int32_t N_CTX = testing::STORIES_N_CTX;

core::SamplingParams greedy() {
    core::SamplingParams params;
    params.temperature = 0.0f;
    return params;
}

core::SamplingParams seeded(uint32_t seed) {
    core::SamplingParams params;
    params.temperature = 0.8f;
    params.seed = seed;
    return params;
}

std::unique_ptr<LlamaTextEngine> load(const std::string& path, int32_t n_slots = 1) {
    return testing::load_stories(path, n_slots);
}

std::string detokenize(const LlamaTextEngine& engine, const std::vector<int32_t>& tokens) {
    std::string text;
    for (const int32_t token : tokens) {
        text += engine.token_to_piece(token);
    }
    return text;
}

// Decodes one token per sequence per step, all sequences sharing each batch, and returns n_predict
// sampled tokens per sequence. The prompt goes in from position start (0 = a fresh sequence); the
// sequences' samplers are reset to params first.
std::vector<std::vector<int32_t>> generate(LlamaTextEngine& engine, const std::vector<int32_t>& prompt, int32_t n_seqs,
                                           int32_t n_predict, const core::SamplingParams& params) {
    const auto n_prompt = static_cast<int32_t>(prompt.size());
    engine.batch_clear();
    for (int32_t s = 0; s < n_seqs; ++s) {
        engine.reset_sampler(s, params);
        for (int32_t i = 0; i < n_prompt; ++i) {
            EXPECT_TRUE(engine.batch_add(prompt[static_cast<size_t>(i)], i, s, i == n_prompt - 1));
        }
    }
    std::vector<std::vector<int32_t>> out(static_cast<size_t>(n_seqs));
    for (int32_t step = 0; step < n_predict; ++step) {
        if (auto decoded = engine.decode(); !decoded) {
            ADD_FAILURE() << "decode at step " << step << ": " << decoded.error().message;
            return {};
        }
        for (int32_t s = 0; s < n_seqs; ++s) {
            const int32_t index = step == 0 ? s * n_prompt + n_prompt - 1 : s;
            auto token = engine.sample(s, index);
            if (!token) {
                ADD_FAILURE() << "sample: " << token.error().message;
                return {};
            }
            out[static_cast<size_t>(s)].push_back(*token);
        }
        engine.batch_clear();
        for (int32_t s = 0; s < n_seqs; ++s) {
            EXPECT_TRUE(engine.batch_add(out[static_cast<size_t>(s)].back(), n_prompt + step, s, true));
        }
    }
    return out;
}

TEST(LlamaEngine, TokenizesWithBos) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    auto tokens = engine->tokenize(PROMPT, true, false);
    ASSERT_TRUE(tokens) << tokens.error().message;
    EXPECT_EQ(*tokens, PROMPT_TOKENS);
    auto bare = engine->tokenize(PROMPT, false, false);
    ASSERT_TRUE(bare);
    EXPECT_EQ(*bare, std::vector<int32_t>(PROMPT_TOKENS.begin() + 1, PROMPT_TOKENS.end()));
    EXPECT_EQ(engine->bos(), 1);
    EXPECT_EQ(engine->eos(), 2);
    EXPECT_TRUE(engine->is_eog(2));
    EXPECT_FALSE(engine->is_eog(403));
    EXPECT_FALSE(engine->is_eog(100000));
    EXPECT_EQ(engine->n_vocab(), 512);
    EXPECT_EQ(engine->n_ctx_train(), 512);
    EXPECT_EQ(engine->n_ctx_per_slot(), N_CTX);
    EXPECT_EQ(engine->n_slots(), 1);
    EXPECT_EQ(detokenize(*engine, *bare), " " + PROMPT);  // SPM: the leading space is the word marker
    EXPECT_EQ(engine->token_to_piece(512), "");
    EXPECT_EQ(engine->token_to_piece(-1), "");
    auto odd = engine->tokenize(std::string("\xff\xfe caf\xc3", 6), true, true);  // invalid UTF-8
    EXPECT_TRUE(odd || odd.error().code == ErrorCode::INVALID_ARGUMENT);
}

TEST(LlamaEngine, GreedyGenerationMatchesGolden) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    const auto out = generate(*engine, PROMPT_TOKENS, 1, N_PREDICT, greedy());
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].size(), static_cast<size_t>(N_PREDICT));
    EXPECT_EQ(detokenize(*engine, out[0]), GOLDEN);
    // The last sampled token is never decoded: positions 0 .. n_prompt + N_PREDICT - 2 are in the cache.
    EXPECT_EQ(engine->seq_pos_max(0), static_cast<int32_t>(PROMPT_TOKENS.size()) + N_PREDICT - 2);
}

TEST(LlamaEngine, FourSequencesInOneBatchGiveTheSameText) {
    auto engine = load(F32, 4);
    ASSERT_NE(engine, nullptr);
    EXPECT_EQ(engine->n_slots(), 4);
    const auto out = generate(*engine, PROMPT_TOKENS, 4, N_PREDICT, greedy());
    ASSERT_EQ(out.size(), 4u);
    for (const auto& tokens : out) {
        EXPECT_EQ(detokenize(*engine, tokens), GOLDEN);
    }
    // Each sequence has its own KV: clearing one leaves the others.
    engine->seq_clear(2);
    EXPECT_EQ(engine->seq_pos_max(2), -1);
    EXPECT_EQ(engine->seq_pos_max(3), static_cast<int32_t>(PROMPT_TOKENS.size()) + N_PREDICT - 2);
}

// Continuous batching: sequence s joins at step 7*s, so its prompt shares a batch with the others'
// single-token steps, and every sequence still produces the golden text.
TEST(LlamaEngine, StaggeredSequencesInMixedBatchesGiveTheSameText) {
    constexpr int32_t N_SEQS = 3;
    constexpr int32_t JOIN_EVERY = 7;
    auto engine = load(F32, N_SEQS);
    ASSERT_NE(engine, nullptr);
    const auto n_prompt = static_cast<int32_t>(PROMPT_TOKENS.size());
    std::vector<std::vector<int32_t>> out(N_SEQS);
    for (int32_t step = 0; step < JOIN_EVERY * (N_SEQS - 1) + N_PREDICT; ++step) {
        engine->batch_clear();
        std::vector<int32_t> output_index(N_SEQS, -1);  // where each sequence's logits land in this batch
        int32_t n_entries = 0;
        for (int32_t s = 0; s < N_SEQS; ++s) {
            auto& tokens = out[static_cast<size_t>(s)];
            if (step == JOIN_EVERY * s) {
                engine->reset_sampler(s, greedy());
                for (int32_t i = 0; i < n_prompt; ++i) {
                    ASSERT_TRUE(engine->batch_add(PROMPT_TOKENS[static_cast<size_t>(i)], i, s, i == n_prompt - 1));
                }
                n_entries += n_prompt;
            } else if (step > JOIN_EVERY * s && tokens.size() < static_cast<size_t>(N_PREDICT)) {
                const auto pos = n_prompt + static_cast<int32_t>(tokens.size()) - 1;
                ASSERT_TRUE(engine->batch_add(tokens.back(), pos, s, true));
                n_entries += 1;
            } else {
                continue;
            }
            output_index[static_cast<size_t>(s)] = n_entries - 1;
        }
        if (n_entries == 0) {
            break;
        }
        ASSERT_TRUE(engine->decode()) << "step " << step;
        for (int32_t s = 0; s < N_SEQS; ++s) {
            if (output_index[static_cast<size_t>(s)] >= 0) {
                auto token = engine->sample(s, output_index[static_cast<size_t>(s)]);
                ASSERT_TRUE(token) << token.error().message;
                out[static_cast<size_t>(s)].push_back(*token);
            }
        }
    }
    for (const auto& tokens : out) {
        EXPECT_EQ(detokenize(*engine, tokens), GOLDEN);
    }
}

TEST(LlamaEngine, TruncateAndRedecodeReproducesTheContinuation) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    const auto full = generate(*engine, PROMPT_TOKENS, 1, N_PREDICT, greedy());
    ASSERT_EQ(full.size(), 1u);
    const auto n_prompt = static_cast<int32_t>(PROMPT_TOKENS.size());
    constexpr int32_t KEEP_GENERATED = 30;
    const int32_t keep = n_prompt + KEEP_GENERATED;  // positions [0, keep) stay
    ASSERT_TRUE(engine->seq_truncate(0, keep));
    EXPECT_EQ(engine->seq_pos_max(0), keep - 1);

    // Re-decode from the first dropped position: the token there is full[0][KEEP_GENERATED].
    std::vector<int32_t> again;
    int32_t token = full[0][KEEP_GENERATED];
    for (int32_t pos = keep; pos < n_prompt + N_PREDICT - 1; ++pos) {
        engine->batch_clear();
        ASSERT_TRUE(engine->batch_add(token, pos, 0, true));
        auto decoded = engine->decode();
        ASSERT_TRUE(decoded) << decoded.error().message;
        auto next = engine->sample(0, 0);
        ASSERT_TRUE(next) << next.error().message;
        token = *next;
        again.push_back(token);
    }
    const std::vector<int32_t> expected(full[0].begin() + KEEP_GENERATED + 1, full[0].end());
    EXPECT_EQ(again, expected);
    EXPECT_FALSE(engine->seq_truncate(7, 0));  // no such sequence
}

TEST(LlamaEngine, ChatmlTemplateRendersFromGguf) {
    auto engine = load(CHATML);
    ASSERT_NE(engine, nullptr);
    EXPECT_TRUE(engine->has_chat_template());
    const std::vector<engine::ChatMessage> messages = {{"system", "sys"}, {"user", "Hi"}};
    auto prompt = engine->apply_chat_template(messages, true, {});
    ASSERT_TRUE(prompt) << prompt.error().message;
    EXPECT_EQ(*prompt, "<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    auto no_generation = engine->apply_chat_template(messages, false, {{"unused", "1"}});
    ASSERT_TRUE(no_generation) << no_generation.error().message;
    EXPECT_EQ(*no_generation, "<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");

    auto bad_json = engine->apply_chat_template(messages, true, {{"x", "{not json"}});
    ASSERT_FALSE(bad_json);
    EXPECT_EQ(bad_json.error().code, ErrorCode::INVALID_ARGUMENT);
    auto bad_thinking = engine->apply_chat_template(messages, true, {{"enable_thinking", "\"yes\""}});
    ASSERT_FALSE(bad_thinking);
    EXPECT_EQ(bad_thinking.error().code, ErrorCode::INVALID_ARGUMENT);

    // Thread-safe: handler threads render at once.
    std::vector<std::string> rendered(4);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < rendered.size(); ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 20; ++round) {
                auto r = engine->apply_chat_template(messages, true, {});
                rendered[i] = r ? *r : r.error().message;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (const auto& r : rendered) {
        EXPECT_EQ(r, *prompt);
    }
}

TEST(LlamaEngine, ModelWithoutTemplateIsUnsupported) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    EXPECT_FALSE(engine->has_chat_template());
    auto prompt = engine->apply_chat_template({{"user", "Hi"}}, true, {});
    ASSERT_FALSE(prompt);
    EXPECT_EQ(prompt.error().code, ErrorCode::UNSUPPORTED);
    EXPECT_NE(prompt.error().message.find("no chat template"), std::string::npos) << prompt.error().message;
}

void expect_refused(LlamaTextEngine& engine, int32_t token, int32_t pos, int32_t seq, const std::string& phrase) {
    engine.batch_clear();
    EXPECT_TRUE(engine.batch_add(token, pos, seq, true));
    auto decoded = engine.decode();
    ASSERT_FALSE(decoded) << "token " << token << " pos " << pos << " seq " << seq;
    EXPECT_EQ(decoded.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(decoded.error().message.find(phrase), std::string::npos) << decoded.error().message;
}

TEST(LlamaEngine, RefusesOutOfRangeInputsWithoutCrashing) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    expect_refused(*engine, 512, 0, 0, "token id 512");
    expect_refused(*engine, -1, 0, 0, "token id -1");
    expect_refused(*engine, 1, 0, 1, "sequence 1");
    expect_refused(*engine, 1, 0, -1, "sequence -1");
    expect_refused(*engine, 1, N_CTX, 0, "position 256");
    expect_refused(*engine, 1, -3, 0, "position -3");
    engine->batch_clear();
    auto empty = engine->decode();
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_FALSE(engine->sample(0, 0));  // nothing decoded

    // A position gap: llama.cpp rejects the batch (return -1) and keeps the memory as it was.
    engine->batch_clear();
    for (int32_t i = 0; i < 5; ++i) {
        ASSERT_TRUE(engine->batch_add(PROMPT_TOKENS[static_cast<size_t>(i)], i, 0, i == 4));
    }
    ASSERT_TRUE(engine->decode());
    auto not_output = engine->sample(0, 2);
    ASSERT_FALSE(not_output);
    EXPECT_EQ(not_output.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_TRUE(engine->logprobs(2, 403, 3).empty());
    engine->batch_clear();
    ASSERT_TRUE(engine->batch_add(403, 10, 0, true));
    auto gap = engine->decode();
    ASSERT_FALSE(gap);
    EXPECT_EQ(gap.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(engine->seq_pos_max(0), 4);
    EXPECT_FALSE(engine->accept(0, 600));

    // The engine still works afterwards.
    engine->seq_clear(0);
    const auto out = generate(*engine, PROMPT_TOKENS, 1, N_PREDICT, greedy());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(detokenize(*engine, out[0]), GOLDEN);
}

TEST(LlamaEngine, BatchIsFullAtNBatch) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    ASSERT_EQ(engine->n_batch(), 64);
    engine->batch_clear();
    for (int32_t i = 0; i < 64; ++i) {
        ASSERT_TRUE(engine->batch_add(403, i, 0, false));
    }
    EXPECT_FALSE(engine->batch_add(403, 64, 0, true));
    EXPECT_TRUE(engine->decode());
}

TEST(LlamaEngine, AbortCancelsOneDecode) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    engine->batch_clear();
    for (int32_t i = 0; i < 5; ++i) {
        ASSERT_TRUE(engine->batch_add(PROMPT_TOKENS[static_cast<size_t>(i)], i, 0, i == 4));
    }
    engine->request_abort();
    auto aborted = engine->decode();
    ASSERT_FALSE(aborted);
    EXPECT_EQ(aborted.error().code, ErrorCode::CANCELLED) << aborted.error().message;
    EXPECT_FALSE(engine->sample(0, 4));  // no outputs from an aborted decode
    // The request covered one decode: clearing what the aborted one left and decoding again works.
    engine->seq_clear(0);
    auto again = engine->decode();
    ASSERT_TRUE(again) << again.error().message;
    auto token = engine->sample(0, 4);
    ASSERT_TRUE(token);
    EXPECT_EQ(engine->token_to_piece(*token), ",");
}

TEST(LlamaEngine, LoadFailuresAreErrors) {
    ensure_backend();
    engine::TextEngineOptions options;
    options.path = MODELS + "/stories260K/no-such-model.gguf";
    auto missing = LlamaTextEngine::load(options);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::NOT_FOUND);

    std::ifstream in(F32, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1000u);
    testing::TempDir dir;
    options.path = dir.write("truncated.gguf", bytes.substr(0, bytes.size() / 2));
    auto truncated = LlamaTextEngine::load(options);
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos) << truncated.error().message;

    // Headers intact but an architecture llama.cpp does not know: llama.cpp itself refuses the file.
    std::string unknown_arch = bytes;
    const auto at = unknown_arch.find("llama", unknown_arch.find("general.architecture"));
    ASSERT_NE(at, std::string::npos);
    unknown_arch[at + 4] = 'x';
    options.path = dir.write("unknown-arch.gguf", unknown_arch);
    auto refused = LlamaTextEngine::load(options);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT) << refused.error().message;

    options.path = F32;
    options.n_slots = 0;
    auto no_slots = LlamaTextEngine::load(options);
    ASSERT_FALSE(no_slots);
    EXPECT_EQ(no_slots.error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST(LlamaEngine, SeededSamplingIsReproducible) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    auto run = [&](uint32_t seed) {
        engine->seq_clear(0);
        auto out = generate(*engine, PROMPT_TOKENS, 1, 48, seeded(seed));
        return out.empty() ? std::vector<int32_t>{} : out[0];
    };
    const auto first = run(42);
    const auto second = run(42);
    const auto other = run(43);
    ASSERT_EQ(first.size(), 48u);
    EXPECT_EQ(first, second);
    EXPECT_NE(first, other);
    EXPECT_NE(detokenize(*engine, first), GOLDEN);  // it really sampled
}

TEST(LlamaEngine, LogitBiasAndIgnoreEos) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    auto first_token = [&](const core::SamplingParams& params) {
        engine->seq_clear(0);
        auto out = generate(*engine, PROMPT_TOKENS, 1, 1, params);
        return out.empty() ? -1 : out[0][0];
    };
    const int32_t plain = first_token(greedy());
    core::SamplingParams banned = greedy();
    banned.logit_bias = {{plain, -INFINITY}, {9999, 5.0f}};  // the out-of-vocabulary entry is dropped
    const int32_t second_choice = first_token(banned);
    EXPECT_NE(second_choice, plain);
    EXPECT_GE(second_choice, 0);

    core::SamplingParams eos = greedy();
    eos.logit_bias = {{engine->eos(), 100.0f}};
    EXPECT_EQ(first_token(eos), engine->eos());
    eos.ignore_eos = true;
    EXPECT_EQ(first_token(eos), plain);
}

TEST(LlamaEngine, LogprobsAreALogSoftmaxOverTheVocabulary) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    engine->batch_clear();
    const auto n_prompt = static_cast<int32_t>(PROMPT_TOKENS.size());
    for (int32_t i = 0; i < n_prompt; ++i) {
        ASSERT_TRUE(engine->batch_add(PROMPT_TOKENS[static_cast<size_t>(i)], i, 0, i == n_prompt - 1));
    }
    ASSERT_TRUE(engine->decode());
    auto chosen = engine->sample(0, n_prompt - 1);
    ASSERT_TRUE(chosen);
    const auto all = engine->logprobs(n_prompt - 1, *chosen, engine->n_vocab());
    ASSERT_EQ(all.size(), static_cast<size_t>(engine->n_vocab()) + 1);
    EXPECT_EQ(all[0].token, *chosen);
    EXPECT_EQ(all[0].text, engine->token_to_piece(*chosen));
    EXPECT_EQ(all[1].token, *chosen);  // greedy picked the most likely token
    EXPECT_FLOAT_EQ(all[0].logprob, all[1].logprob);
    double sum = 0.0;
    for (size_t i = 1; i < all.size(); ++i) {
        EXPECT_LE(all[i].logprob, all[1].logprob);
        if (i > 1) {
            EXPECT_LE(all[i].logprob, all[i - 1].logprob);
        }
        sum += std::exp(static_cast<double>(all[i].logprob));
    }
    EXPECT_NEAR(sum, 1.0, 1e-4);
    EXPECT_LT(all[0].logprob, 0.0f);

    const auto top3 = engine->logprobs(n_prompt - 1, 403, 3);
    ASSERT_EQ(top3.size(), 4u);
    EXPECT_EQ(top3[0].token, 403);
    EXPECT_EQ(top3[1].token, all[1].token);
    EXPECT_EQ(top3[3].token, all[3].token);
}

// The engine's greedy text against llama.cpp's own command-line tool on the same file.
std::string deps_prefix() {
    const char* env = std::getenv("HEARTH_DEPS_PREFIX");
    return env != nullptr && *env != '\0' ? env : HEARTH_DEPS_PREFIX;
}

// Runs llama-completion greedily (plus extra_args) and returns its printed text, trimmed of the surrounding
// spaces/newlines.
std::string run_llama_completion(const std::string& tool, const std::string& extra_args, int& status) {
    const std::string out_file =
        (std::filesystem::temp_directory_path() / ("hearth-llama-completion-" + std::to_string(::getpid()) + ".txt"))
            .string();
    const std::string command = "'" + tool + "' -m '" + F32 + "' -no-cnv --temp 0 -n " + std::to_string(N_PREDICT) +
                                " -p '" + PROMPT + "' -t 2 --no-warmup " + extra_args + " 2>/dev/null </dev/null >'" +
                                out_file + "'";
    status = std::system(command.c_str());
    std::ifstream in(out_file, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(out_file);
    // llama-completion echoes the prompt as detokenized (SPM: with its leading word-marker space), then the
    // generation, then newlines.
    const auto first = text.find_first_not_of(" \n");
    const auto last = text.find_last_not_of(" \n");
    return first == std::string::npos ? std::string() : text.substr(first, last + 1 - first);
}

// llama-completion's text, to compare with ours. It prints through common's asynchronous logger, which on a
// loaded machine can exit before writing the last tokens: a strict prefix of our text is that, and is
// retried; any other difference (a different token, a 65th token, an end marker) is returned at once.
std::string llama_completion_text(const std::string& extra_args, const std::string& ours) {
    const std::string tool = deps_prefix() + "/tools/llama-completion";
    if (!std::filesystem::exists(tool)) {
        ADD_FAILURE() << "no " << tool;
        return {};
    }
    // A pause that grows between tries: a busy CI machine once cut four runs in a row.
    std::string theirs;
    for (int attempt = 0; attempt < 8; ++attempt) {
        int status = -1;
        theirs = run_llama_completion(tool, extra_args, status);
        EXPECT_EQ(status, 0) << theirs;
        const bool truncated = theirs.size() < ours.size() && ours.compare(0, theirs.size(), theirs) == 0;
        if (status != 0 || !truncated) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
    }
    return theirs;
}

TEST(LlamaEngineReference, LlamaCompletionGreedyAgrees) {
    auto engine = load(F32);
    ASSERT_NE(engine, nullptr);
    const auto out = generate(*engine, PROMPT_TOKENS, 1, N_PREDICT, greedy());
    ASSERT_EQ(out.size(), 1u);
    const std::string ours = PROMPT + detokenize(*engine, out[0]);
    EXPECT_EQ(ours, PROMPT + GOLDEN);
    EXPECT_EQ(llama_completion_text("", ours), ours);
}

// The text of one request through the scheduler, which feeds the prompt into the sequence's penalties.
std::string scheduled_text(LlamaTextEngine& engine, const core::SamplingParams& params) {
    sched::TextScheduler scheduler(engine, {});
    core::GenerationRequest request;
    request.prompt_tokens = PROMPT_TOKENS;
    request.max_tokens = N_PREDICT;
    request.sampling = params;
    request.events = std::make_shared<core::EventChannel>(N_PREDICT + 8);
    const auto events = request.events;
    EXPECT_TRUE(scheduler.submit(std::move(request)));
    std::string text;
    std::optional<core::GenerationEvent> event;
    while (events->pop(event, std::chrono::seconds(30)) == PopStatus::OK) {
        if (const auto* token = std::get_if<core::TokenEvent>(&*event)) {
            text += token->text;
            continue;
        }
        EXPECT_TRUE(std::holds_alternative<core::FinishEvent>(*event));
        return text;
    }
    ADD_FAILURE() << "no finish within 30 s";
    return text;
}

// llama-completion, like llama-server, feeds the prompt into the penalties: with a strong repeat penalty the
// scheduler's greedy text must equal its text, and differ from penalising the generated tokens alone.
TEST(LlamaEngineReference, RepeatPenaltyCountsThePromptLikeLlamaCompletion) {
    auto generated_only = load(F32);
    auto served = load(F32);  // its own engine: the scheduler thread owns it
    ASSERT_TRUE(generated_only && served);
    core::SamplingParams params = greedy();
    params.repeat_penalty = 2.0f;
    params.penalty_last_n = 64;
    const auto without_prompt = generate(*generated_only, PROMPT_TOKENS, 1, N_PREDICT, params);
    ASSERT_EQ(without_prompt.size(), 1u);
    const std::string ours = PROMPT + scheduled_text(*served, params);
    EXPECT_NE(ours, PROMPT + detokenize(*generated_only, without_prompt[0]));
    EXPECT_NE(ours, PROMPT + GOLDEN);
    EXPECT_EQ(llama_completion_text("--repeat-penalty 2 --repeat-last-n 64", ours), ours);
}

}  // namespace
}  // namespace hearth
