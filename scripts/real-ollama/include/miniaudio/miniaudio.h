/*
 * A stand-in for miniaudio.h, written by the rlm project. Go module zips drop every path containing
 * /vendor/, which removes Ollama's vendored copy; llama.cpp's mtmd-helper.cpp needs only these names
 * to decode audio input for multimodal models. Every decode here fails, so audio input is refused;
 * rlm never sends audio, and nothing else in the build uses miniaudio.
 */
#ifndef RLM_MINIAUDIO_STUB_H
#define RLM_MINIAUDIO_STUB_H

#include <stddef.h>
#include <stdint.h>

typedef int ma_result;
typedef uint64_t ma_uint64;
typedef int ma_format;
#define MA_SUCCESS 0
#define MA_ERROR (-1)
#define ma_format_f32 5

typedef struct { ma_format format; int channels; int sampleRate; } ma_decoder_config;
typedef struct { int unused; } ma_decoder;

static inline ma_decoder_config ma_decoder_config_init(ma_format format, int channels, int sampleRate) {
  ma_decoder_config config = { format, channels, sampleRate };
  return config;
}
static inline ma_result ma_decoder_init_memory(const void *data, size_t size, const ma_decoder_config *config, ma_decoder *decoder) {
  (void)data; (void)size; (void)config; (void)decoder;
  return MA_ERROR;
}
static inline ma_result ma_decoder_get_length_in_pcm_frames(ma_decoder *decoder, ma_uint64 *frames) {
  (void)decoder; *frames = 0;
  return MA_ERROR;
}
static inline ma_result ma_decoder_read_pcm_frames(ma_decoder *decoder, void *out, ma_uint64 count, ma_uint64 *read) {
  (void)decoder; (void)out; (void)count; *read = 0;
  return MA_ERROR;
}
static inline ma_result ma_decoder_uninit(ma_decoder *decoder) { (void)decoder; return MA_SUCCESS; }

#endif
