// setjmp-guarded libpng calls (the full API: the simplified one hides 16-bit output, interlace,
// eXIf and iCCP). libpng reports fatal errors through the error callback, which must not return;
// ours records the message and longjmps to the png_jmpbuf set by the shim function making the call.

#include "CodecShims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#define CS_MESSAGE_LENGTH 200

typedef struct CSPNGMessages {
    char message[CS_MESSAGE_LENGTH];
    char firstWarning[CS_MESSAGE_LENGTH];
    int warnings;
    int hitEndOfData;
} CSPNGMessages;

static void cs_png_error(png_structp png, png_const_charp text) {
    CSPNGMessages *messages = (CSPNGMessages *)png_get_error_ptr(png);
    if (messages) snprintf(messages->message, CS_MESSAGE_LENGTH, "%s", text ? text : "unknown libpng error");
    png_longjmp(png, 1);
}

static void cs_png_warning(png_structp png, png_const_charp text) {
    CSPNGMessages *messages = (CSPNGMessages *)png_get_error_ptr(png);
    if (!messages) return;
    if (messages->warnings == 0) snprintf(messages->firstWarning, CS_MESSAGE_LENGTH, "%s", text ? text : "");
    messages->warnings++;
}

static int cs_png_category(const CSPNGMessages *messages) {
    if (messages->hitEndOfData) return CS_ERR_TRUNCATED;
    if (strstr(messages->message, "Out of memory") || strstr(messages->message, "out of memory"))
        return CS_ERR_MEMORY;
    return CS_ERR_CORRUPT;
}

// MARK: - Decoder

struct CSPNGDecoder {
    png_structp png;
    png_infop info;
    png_infop endInfo;
    const uint8_t *data;
    size_t size;
    size_t position;
    CSPNGMessages messages;
    uint8_t *exif;  // copied, so it outlives the chunk storage
    size_t exifLength;
    const uint8_t *icc;
    size_t iccLength;
};

static void cs_png_read_memory(png_structp png, png_bytep target, size_t length) {
    CSPNGDecoder *decoder = (CSPNGDecoder *)png_get_io_ptr(png);
    if (length > decoder->size - decoder->position) {
        decoder->messages.hitEndOfData = 1;
        png_error(png, "the file ends before the image data is complete");
    }
    memcpy(target, decoder->data + decoder->position, length);
    decoder->position += length;
}

CSPNGDecoder *cs_png_decoder_create(const uint8_t *data, size_t size) {
    CSPNGDecoder *decoder = (CSPNGDecoder *)calloc(1, sizeof(CSPNGDecoder));
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder->messages, cs_png_error, cs_png_warning);
    if (!decoder->png) {
        free(decoder);
        return NULL;
    }
    decoder->info = png_create_info_struct(decoder->png);
    decoder->endInfo = png_create_info_struct(decoder->png);
    if (!decoder->info || !decoder->endInfo) {
        png_destroy_read_struct(&decoder->png, &decoder->info, &decoder->endInfo);
        free(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, cs_png_read_memory);
    return decoder;
}

void cs_png_decoder_destroy(CSPNGDecoder *decoder) {
    if (!decoder) return;
    png_destroy_read_struct(&decoder->png, &decoder->info, &decoder->endInfo);
    free(decoder->exif);
    free(decoder);
}

static void cs_png_keep_exif(CSPNGDecoder *decoder, png_infop info) {
    if (decoder->exif) return;
    png_bytep exif = NULL;
    png_uint_32 length = 0;
    if (png_get_eXIf_1(decoder->png, info, &length, &exif) && exif && length > 0) {
        decoder->exif = (uint8_t *)malloc(length);
        if (decoder->exif) {
            memcpy(decoder->exif, exif, length);
            decoder->exifLength = length;
        }
    }
}

int cs_png_read_header(CSPNGDecoder *decoder, int keep16, CSPNGHeader *header) {
    if (!decoder || !header) return CS_ERR_USAGE;
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return cs_png_category(&decoder->messages);
    // Ancillary chunks with bad CRCs are dropped with a warning; a bad critical chunk is an error.
    png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_WARN_DISCARD);
    // Bound what a hostile file can make libpng allocate for one ancillary chunk (zTXt, iCCP).
    png_set_chunk_malloc_max(png, 16u << 20);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bitDepth = 0, colorType = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bitDepth, &colorType, &interlace, NULL, NULL);
    header->width = width;
    header->height = height;
    header->bitDepth = bitDepth;
    header->colorType = colorType;
    header->interlaced = interlace != PNG_INTERLACE_NONE;
    header->hasTransparency = png_get_valid(png, info, PNG_INFO_tRNS) ? 1 : 0;

    // Expand to whole bytes per sample and to gray / gray+alpha / RGB / RGBA.
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (header->hasTransparency) png_set_tRNS_to_alpha(png);
    if (bitDepth == 16) {
        if (keep16) {
            // PNG stores 16-bit samples big-endian; hand them over in host order.
            unsigned short probe = 1;
            if (*(unsigned char *)&probe == 1) png_set_swap(png);
        } else {
            png_set_scale_16(png);  // rounds v·255/65535, unlike png_set_strip_16's truncation
        }
    }
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    header->outChannels = png_get_channels(png, info);
    header->outBitDepth = png_get_bit_depth(png, info);
    header->outRowBytes = png_get_rowbytes(png, info);

    png_charp name = NULL;
    int compression = 0;
    png_bytep profile = NULL;
    png_uint_32 profileLength = 0;
    if (png_get_iCCP(png, info, &name, &compression, &profile, &profileLength) && profile && profileLength > 0) {
        decoder->icc = profile;
        decoder->iccLength = profileLength;
    }
    cs_png_keep_exif(decoder, info);
    return CS_OK;
}

int cs_png_decompress(CSPNGDecoder *decoder, uint8_t *pixels, size_t rowStride) {
    if (!decoder || !pixels) return CS_ERR_USAGE;
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    png_uint_32 height = png_get_image_height(png, info);
    if (png_get_rowbytes(png, info) > rowStride) return CS_ERR_USAGE;
    png_bytep *volatile rows = (png_bytep *)malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!rows) return CS_ERR_MEMORY;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        return cs_png_category(&decoder->messages);
    }
    for (png_uint_32 row = 0; row < height; row++) rows[row] = pixels + (size_t)row * rowStride;
    png_read_image(png, rows);
    png_read_end(png, decoder->endInfo);
    cs_png_keep_exif(decoder, decoder->endInfo);
    free(rows);
    return CS_OK;
}

const uint8_t *cs_png_exif(CSPNGDecoder *decoder, size_t *length) {
    *length = decoder->exifLength;
    return decoder->exif;
}

const uint8_t *cs_png_icc(CSPNGDecoder *decoder, size_t *length) {
    *length = decoder->iccLength;
    return decoder->icc;
}

const char *cs_png_error_message(const CSPNGDecoder *decoder) { return decoder->messages.message; }
int cs_png_warning_count(const CSPNGDecoder *decoder) { return decoder->messages.warnings; }
const char *cs_png_first_warning(const CSPNGDecoder *decoder) { return decoder->messages.firstWarning; }

// MARK: - Encoder

typedef struct CSPNGOutput {
    uint8_t *bytes;
    size_t length;
    size_t capacity;
    int failed;
} CSPNGOutput;

static void cs_png_write_memory(png_structp png, png_bytep source, size_t length) {
    CSPNGOutput *output = (CSPNGOutput *)png_get_io_ptr(png);
    if (output->length + length > output->capacity) {
        size_t capacity = output->capacity ? output->capacity : 65536;
        while (capacity < output->length + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(output->bytes, capacity);
        if (!grown) {
            output->failed = 1;
            png_error(png, "out of memory while writing the PNG");
        }
        output->bytes = grown;
        output->capacity = capacity;
    }
    memcpy(output->bytes + output->length, source, length);
    output->length += length;
}

static void cs_png_flush(png_structp png) { (void)png; }

static int cs_png_encode_guarded(png_structp png, png_infop info, const uint8_t *pixels, size_t rowStride,
                                 uint32_t width, uint32_t height, int channels, int bitDepth, int compressionLevel,
                                 const uint8_t *exif, size_t exifLength, const uint8_t *icc, size_t iccLength,
                                 CSPNGOutput *output, CSPNGMessages *messages) {
    if (setjmp(png_jmpbuf(png))) return cs_png_category(messages);
    static const int colorTypes[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, output, cs_png_write_memory, cs_png_flush);
    png_set_compression_level(png, compressionLevel);
    png_set_IHDR(png, info, width, height, bitDepth, colorTypes[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (icc && iccLength > 0) png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, icc, (png_uint_32)iccLength);
    if (exif && exifLength > 0) png_set_eXIf_1(png, info, (png_uint_32)exifLength, (png_bytep)exif);
    png_write_info(png, info);
    if (bitDepth == 16) {
        unsigned short probe = 1;
        if (*(unsigned char *)&probe == 1) png_set_swap(png);
    }
    for (uint32_t row = 0; row < height; row++) png_write_row(png, (png_const_bytep)(pixels + (size_t)row * rowStride));
    png_write_end(png, info);
    return CS_OK;
}

int cs_png_encode(const uint8_t *pixels, size_t rowStride, uint32_t width, uint32_t height, int channels,
                  int bitDepth, int compressionLevel, const uint8_t *exif, size_t exifLength,
                  const uint8_t *icc, size_t iccLength, uint8_t **output, size_t *outputLength,
                  char *message) {
    *output = NULL;
    *outputLength = 0;
    message[0] = 0;
    if (!pixels || width == 0 || height == 0 || channels < 1 || channels > 4 || (bitDepth != 8 && bitDepth != 16) ||
        compressionLevel < 0 || compressionLevel > 9 || (size_t)width * channels * (bitDepth / 8) > rowStride) {
        snprintf(message, CS_MESSAGE_LENGTH, "invalid PNG encoder arguments");
        return CS_ERR_USAGE;
    }
    CSPNGMessages messages;
    memset(&messages, 0, sizeof(messages));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &messages, cs_png_error, cs_png_warning);
    if (!png) return CS_ERR_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return CS_ERR_MEMORY;
    }
    CSPNGOutput buffer = {NULL, 0, 0, 0};
    int status = cs_png_encode_guarded(png, info, pixels, rowStride, width, height, channels, bitDepth,
                                       compressionLevel, exif, exifLength, icc, iccLength, &buffer, &messages);
    png_destroy_write_struct(&png, &info);
    if (status != CS_OK) {
        snprintf(message, CS_MESSAGE_LENGTH, "%s", messages.message);
        free(buffer.bytes);
        return status;
    }
    *output = buffer.bytes;
    *outputLength = buffer.length;
    return CS_OK;
}

const char *cs_png_library_version(void) { return "libpng " PNG_LIBPNG_VER_STRING; }

// MARK: - Streaming encoder

#include <errno.h>
#include <unistd.h>

struct CSPNGStream {
    png_structp png;
    png_infop info;
    int fd;
    uint32_t height;
    uint32_t rowsWritten;
    CSPNGMessages messages;
};

static void cs_png_write_fd(png_structp png, png_bytep source, size_t length) {
    CSPNGStream *stream = (CSPNGStream *)png_get_io_ptr(png);
    size_t written = 0;
    while (written < length) {
        ssize_t count = write(stream->fd, source + written, length - written);
        if (count < 0) {
            if (errno == EINTR) continue;
            char text[CS_MESSAGE_LENGTH];
            snprintf(text, sizeof text, "write failed: %s", strerror(errno));
            png_error(png, text);
        }
        written += (size_t)count;
    }
}

static int cs_png_stream_begin_guarded(CSPNGStream *stream, uint32_t width, uint32_t height, int channels,
                                       int bitDepth, int compressionLevel, const uint8_t *exif, size_t exifLength,
                                       const uint8_t *icc, size_t iccLength) {
    png_structp png = stream->png;
    png_infop info = stream->info;
    if (setjmp(png_jmpbuf(png))) return cs_png_category(&stream->messages);
    static const int colorTypes[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, stream, cs_png_write_fd, cs_png_flush);
    png_set_compression_level(png, compressionLevel);
    png_set_IHDR(png, info, width, height, bitDepth, colorTypes[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (icc && iccLength > 0) png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, icc, (png_uint_32)iccLength);
    if (exif && exifLength > 0) png_set_eXIf_1(png, info, (png_uint_32)exifLength, (png_bytep)exif);
    png_write_info(png, info);
    if (bitDepth == 16) {
        unsigned short probe = 1;
        if (*(unsigned char *)&probe == 1) png_set_swap(png);
    }
    return CS_OK;
}

CSPNGStream *cs_png_stream_begin(int fd, uint32_t width, uint32_t height, int channels, int bitDepth,
                                 int compressionLevel, const uint8_t *exif, size_t exifLength, const uint8_t *icc,
                                 size_t iccLength, int *status, char *message) {
    message[0] = 0;
    if (fd < 0 || width == 0 || height == 0 || channels < 1 || channels > 4 || (bitDepth != 8 && bitDepth != 16) ||
        compressionLevel < 0 || compressionLevel > 9) {
        snprintf(message, CS_MESSAGE_LENGTH, "invalid PNG encoder arguments");
        *status = CS_ERR_USAGE;
        return NULL;
    }
    CSPNGStream *stream = (CSPNGStream *)calloc(1, sizeof(CSPNGStream));
    if (!stream) {
        *status = CS_ERR_MEMORY;
        return NULL;
    }
    stream->fd = fd;
    stream->height = height;
    stream->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &stream->messages, cs_png_error, cs_png_warning);
    if (stream->png) stream->info = png_create_info_struct(stream->png);
    if (!stream->png || !stream->info) {
        cs_png_stream_destroy(stream);
        *status = CS_ERR_MEMORY;
        return NULL;
    }
    *status = cs_png_stream_begin_guarded(stream, width, height, channels, bitDepth, compressionLevel, exif,
                                          exifLength, icc, iccLength);
    if (*status != CS_OK) {
        snprintf(message, CS_MESSAGE_LENGTH, "%s", stream->messages.message);
        cs_png_stream_destroy(stream);
        return NULL;
    }
    return stream;
}

int cs_png_stream_write_rows(CSPNGStream *stream, const uint8_t *pixels, size_t rowStride, uint32_t rows) {
    if (!stream || !pixels || rows > stream->height - stream->rowsWritten) return CS_ERR_USAGE;
    if (setjmp(png_jmpbuf(stream->png))) return cs_png_category(&stream->messages);
    for (uint32_t row = 0; row < rows; row++) {
        png_write_row(stream->png, (png_const_bytep)(pixels + (size_t)row * rowStride));
        stream->rowsWritten++;
    }
    return CS_OK;
}

int cs_png_stream_finish(CSPNGStream *stream) {
    if (!stream || stream->rowsWritten != stream->height) return CS_ERR_USAGE;
    if (setjmp(png_jmpbuf(stream->png))) return cs_png_category(&stream->messages);
    png_write_end(stream->png, stream->info);
    return CS_OK;
}

const char *cs_png_stream_message(const CSPNGStream *stream) { return stream->messages.message; }

void cs_png_stream_destroy(CSPNGStream *stream) {
    if (!stream) return;
    if (stream->png) png_destroy_write_struct(&stream->png, stream->info ? &stream->info : NULL);
    free(stream);
}
