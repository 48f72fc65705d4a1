// setjmp-guarded libjpeg(-turbo) calls. libjpeg reports fatal errors through err->error_exit,
// which by default prints and calls exit(); ours formats the message and longjmps back into the
// shim function that made the call, which then returns an error category. Every local that
// changes between a setjmp and a possible longjmp is volatile.

#include "CodecShims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#define CS_STRINGIFY2(x) #x
#define CS_STRINGIFY(x) CS_STRINGIFY2(x)

// MARK: - Error manager

typedef struct CSJPEGErrorManager {
    struct jpeg_error_mgr base;  // first, so a j_common_ptr's err can be cast to this
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    char firstWarning[JMSG_LENGTH_MAX];
    int warnings;
    char firstMetadataWarning[JMSG_LENGTH_MAX];
    int metadataWarnings;  // warnings about metadata only (a bad ICC marker): the pixels are intact
    int hitEndOfData;
    int errorCode;  // libjpeg's message code of the fatal error
} CSJPEGErrorManager;

static void cs_error_exit(j_common_ptr cinfo) {
    CSJPEGErrorManager *manager = (CSJPEGErrorManager *)cinfo->err;
    manager->errorCode = manager->base.msg_code;
    (*manager->base.format_message)(cinfo, manager->message);
    longjmp(manager->jump, 1);
}

static void cs_emit_message(j_common_ptr cinfo, int level) {
    CSJPEGErrorManager *manager = (CSJPEGErrorManager *)cinfo->err;
    if (level >= 0) return;  // trace messages
    // A warning about metadata alone (an ICC chunk that does not fit the others, an unknown JFIF
    // revision) says nothing about the pixels, which libjpeg decodes in full: not damage.
    if (manager->base.msg_code == JWRN_BOGUS_ICC || manager->base.msg_code == JWRN_JFIF_MAJOR) {
        if (manager->metadataWarnings == 0) (*manager->base.format_message)(cinfo, manager->firstMetadataWarning);
        manager->metadataWarnings++;
        return;
    }
    // A warning: corrupt data that libjpeg decodes through, or the end of the data.
    if (manager->base.msg_code == JWRN_JPEG_EOF) manager->hitEndOfData = 1;
    if (manager->warnings == 0) (*manager->base.format_message)(cinfo, manager->firstWarning);
    manager->warnings++;
}

static void cs_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void cs_install_error_manager(CSJPEGErrorManager *manager) {
    jpeg_std_error(&manager->base);
    manager->base.error_exit = cs_error_exit;
    manager->base.emit_message = cs_emit_message;
    manager->base.output_message = cs_output_message;
    manager->message[0] = 0;
    manager->firstWarning[0] = 0;
    manager->warnings = 0;
    manager->firstMetadataWarning[0] = 0;
    manager->metadataWarnings = 0;
    manager->hitEndOfData = 0;
    manager->errorCode = 0;
}

/// Maps a fatal libjpeg error to a category: data that end early, features this build lacks,
/// memory, or anything else (corrupt).
static int cs_jpeg_category(const CSJPEGErrorManager *manager) {
    switch (manager->errorCode) {
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_ARITH_NOTIMPL:
    case JERR_EMPTY_IMAGE:
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return CS_ERR_UNSUPPORTED;
    case JERR_OUT_OF_MEMORY:
        return CS_ERR_MEMORY;
    case JERR_INPUT_EOF:
        return CS_ERR_TRUNCATED;
    default:
        return manager->hitEndOfData ? CS_ERR_TRUNCATED : CS_ERR_CORRUPT;
    }
}

// MARK: - Decoder

struct CSJPEGDecoder {
    struct jpeg_decompress_struct info;
    CSJPEGErrorManager error;
    int created;
    int started;
    JSAMPLE *scratch;  // one wide row for region decoding
    size_t scratchBytes;
};

CSJPEGDecoder *cs_jpeg_decoder_create(void) {
    CSJPEGDecoder *decoder = (CSJPEGDecoder *)calloc(1, sizeof(CSJPEGDecoder));
    if (!decoder) return NULL;
    cs_install_error_manager(&decoder->error);
    decoder->info.err = &decoder->error.base;
    if (setjmp(decoder->error.jump)) {
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    decoder->created = 1;
    return decoder;
}

void cs_jpeg_decoder_destroy(CSJPEGDecoder *decoder) {
    if (!decoder) return;
    if (decoder->created) jpeg_destroy_decompress(&decoder->info);
    free(decoder->scratch);
    free(decoder);
}

static int cs_jpeg_color_space(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return CS_JPEG_GRAY;
    case JCS_RGB: return CS_JPEG_RGB;
    case JCS_YCbCr: return CS_JPEG_YCBCR;
    case JCS_CMYK: return CS_JPEG_CMYK;
    case JCS_YCCK: return CS_JPEG_YCCK;
    default: return CS_JPEG_UNKNOWN;
    }
}

int cs_jpeg_read_header(CSJPEGDecoder *decoder, const uint8_t *data, size_t size, CSJPEGHeader *header) {
    if (!decoder || !data || !header || size == 0) return CS_ERR_USAGE;
    if (setjmp(decoder->error.jump)) {
        jpeg_abort_decompress(&decoder->info);
        return cs_jpeg_category(&decoder->error);
    }
    jpeg_mem_src(&decoder->info, data, (unsigned long)size);
    jpeg_save_markers(&decoder->info, JPEG_APP0 + 1, 0xFFFF);  // EXIF
    jpeg_save_markers(&decoder->info, JPEG_APP0 + 2, 0xFFFF);  // ICC profile chunks
    jpeg_read_header(&decoder->info, TRUE);
    header->width = decoder->info.image_width;
    header->height = decoder->info.image_height;
    header->components = decoder->info.num_components;
    header->colorSpace = cs_jpeg_color_space(decoder->info.jpeg_color_space);
    header->progressive = decoder->info.progressive_mode ? 1 : 0;
    header->arithmetic = decoder->info.arith_code ? 1 : 0;
    header->precision = decoder->info.data_precision;
    header->sawAdobeMarker = decoder->info.saw_Adobe_marker ? 1 : 0;
    return CS_OK;
}

const uint8_t *cs_jpeg_exif(CSJPEGDecoder *decoder, size_t *length) {
    *length = 0;
    for (jpeg_saved_marker_ptr marker = decoder->info.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6 &&
            memcmp(marker->data, "Exif\0\0", 6) == 0) {
            *length = marker->data_length - 6;
            return marker->data + 6;
        }
    }
    return NULL;
}

uint8_t *cs_jpeg_icc(CSJPEGDecoder *decoder, size_t *length) {
    *length = 0;
    JOCTET *volatile profile = NULL;
    unsigned int profileLength = 0;
    if (setjmp(decoder->error.jump)) {
        // jpeg_read_icc_profile only warns on bad chunks; a fatal error here means no profile.
        free(profile);
        return NULL;
    }
    JOCTET *result = NULL;
    if (!jpeg_read_icc_profile(&decoder->info, &result, &profileLength)) return NULL;
    profile = result;
    *length = profileLength;
    return (uint8_t *)profile;
}

static J_COLOR_SPACE cs_jpeg_output_space(const CSJPEGDecoder *decoder, int outComponents) {
    if (outComponents == 1) return JCS_GRAYSCALE;
    if (outComponents == 4) return JCS_CMYK;
    (void)decoder;
    return JCS_RGB;
}

/// Checks the requested output against the file and starts decompression.
static int cs_jpeg_start(CSJPEGDecoder *decoder, int outComponents) {
    J_COLOR_SPACE source = decoder->info.jpeg_color_space;
    int fourComponent = source == JCS_CMYK || source == JCS_YCCK;
    if (outComponents == 4 && !fourComponent) return CS_ERR_USAGE;
    if (outComponents == 1 && source != JCS_GRAYSCALE) return CS_ERR_USAGE;
    if (outComponents == 3 && fourComponent) return CS_ERR_USAGE;
    if (outComponents != 1 && outComponents != 3 && outComponents != 4) return CS_ERR_USAGE;
    decoder->info.out_color_space = cs_jpeg_output_space(decoder, outComponents);
    jpeg_start_decompress(&decoder->info);
    decoder->started = 1;
    return CS_OK;
}

int cs_jpeg_decompress(CSJPEGDecoder *decoder, int outComponents, uint8_t *pixels, size_t rowStride,
                       uint32_t *rowsDone) {
    volatile uint32_t rows = 0;
    *rowsDone = 0;
    if (!decoder || !pixels) return CS_ERR_USAGE;
    if (setjmp(decoder->error.jump)) {
        *rowsDone = rows;
        jpeg_abort_decompress(&decoder->info);
        return cs_jpeg_category(&decoder->error);
    }
    int status = cs_jpeg_start(decoder, outComponents);
    if (status != CS_OK) {
        jpeg_abort_decompress(&decoder->info);
        return status;
    }
    if ((size_t)decoder->info.output_width * (size_t)decoder->info.output_components > rowStride) {
        jpeg_abort_decompress(&decoder->info);
        return CS_ERR_USAGE;
    }
    while (decoder->info.output_scanline < decoder->info.output_height) {
        JSAMPROW targets[4];
        JDIMENSION next = decoder->info.output_scanline;
        int count = 0;
        for (; count < 4 && next + (JDIMENSION)count < decoder->info.output_height; count++) {
            targets[count] = pixels + (size_t)(next + (JDIMENSION)count) * rowStride;
        }
        JDIMENSION read = jpeg_read_scanlines(&decoder->info, targets, (JDIMENSION)count);
        if (read == 0) break;  // cannot happen with a memory source; guards an endless loop
        rows = decoder->info.output_scanline;
    }
    *rowsDone = rows;
    jpeg_finish_decompress(&decoder->info);
    return CS_OK;
}

int cs_jpeg_decompress_region(CSJPEGDecoder *decoder, int outComponents, uint32_t x, uint32_t y,
                              uint32_t width, uint32_t height, uint8_t *pixels, size_t rowStride,
                              uint32_t *rowsDone) {
    volatile uint32_t rows = 0;
    *rowsDone = 0;
    if (!decoder || !pixels || width == 0 || height == 0) return CS_ERR_USAGE;
    if ((uint64_t)x + width > decoder->info.image_width || (uint64_t)y + height > decoder->info.image_height)
        return CS_ERR_USAGE;
    if ((size_t)width * (size_t)outComponents > rowStride) return CS_ERR_USAGE;
    if (setjmp(decoder->error.jump)) {
        *rowsDone = rows;
        jpeg_abort_decompress(&decoder->info);
        return cs_jpeg_category(&decoder->error);
    }
    int status = cs_jpeg_start(decoder, outComponents);
    if (status != CS_OK) {
        jpeg_abort_decompress(&decoder->info);
        return status;
    }
    // libjpeg upsamples chroma at the edges of a cropped scanline as at the image's edges, so the
    // outermost columns of a tight crop would differ from a full decode. Decode one MCU (16
    // pixels) more on each side and from 16 rows above, and copy out only the rectangle asked for.
    const uint32_t margin = 16;
    uint32_t left = x > margin ? x - margin : 0;
    uint32_t right = x + width + margin < decoder->info.image_width ? x + width + margin : decoder->info.image_width;
    uint32_t top = y > margin ? y - margin : 0;
    // jpeg_crop_scanline widens the column range further, to iMCU boundaries.
    JDIMENSION cropX = left, cropWidth = right - left;
    jpeg_crop_scanline(&decoder->info, &cropX, &cropWidth);
    size_t scratchBytes = (size_t)decoder->info.output_width * (size_t)decoder->info.output_components;
    if (decoder->scratchBytes < scratchBytes) {
        free(decoder->scratch);
        decoder->scratch = (JSAMPLE *)malloc(scratchBytes);
        decoder->scratchBytes = decoder->scratch ? scratchBytes : 0;
        if (!decoder->scratch) {
            jpeg_abort_decompress(&decoder->info);
            return CS_ERR_MEMORY;
        }
    }
    if (top > 0) jpeg_skip_scanlines(&decoder->info, top);
    size_t offset = (size_t)(x - cropX) * (size_t)outComponents;
    size_t copyBytes = (size_t)width * (size_t)outComponents;
    while (decoder->info.output_scanline < y + height) {
        JDIMENSION row = decoder->info.output_scanline;
        JSAMPROW target = decoder->scratch;
        if (jpeg_read_scanlines(&decoder->info, &target, 1) != 1) break;
        if (row >= y) {
            memcpy(pixels + (size_t)(row - y) * rowStride, decoder->scratch + offset, copyBytes);
            rows = rows + 1;
        }
    }
    *rowsDone = rows;
    // The rows below the region are not needed: abandon the rest of the data.
    jpeg_abort_decompress(&decoder->info);
    return CS_OK;
}

const char *cs_jpeg_error_message(const CSJPEGDecoder *decoder) { return decoder->error.message; }
int cs_jpeg_warning_count(const CSJPEGDecoder *decoder) { return decoder->error.warnings; }
const char *cs_jpeg_first_warning(const CSJPEGDecoder *decoder) { return decoder->error.firstWarning; }
int cs_jpeg_metadata_warning_count(const CSJPEGDecoder *decoder) { return decoder->error.metadataWarnings; }
const char *cs_jpeg_first_metadata_warning(const CSJPEGDecoder *decoder) {
    return decoder->error.firstMetadataWarning;
}
int cs_jpeg_hit_end_of_data(const CSJPEGDecoder *decoder) { return decoder->error.hitEndOfData; }

// MARK: - Encoder

typedef struct CSJPEGEncoder {
    struct jpeg_compress_struct info;
    CSJPEGErrorManager error;
    // Our own first output buffer. jpeg_mem_dest grows into buffers of its own, and after an
    // error its bookkeeping would make freeing `buffer` unsafe, so the first one stays ours.
    unsigned char *initial;
    unsigned char *buffer;
    unsigned long bufferLength;
} CSJPEGEncoder;

static int cs_jpeg_encode_guarded(CSJPEGEncoder *encoder, const uint8_t *pixels, size_t rowStride, uint32_t width,
                                  uint32_t height, int inputLayout, const CSJPEGEncodeOptions *options,
                                  const uint8_t *exif, size_t exifLength, const uint8_t *icc, size_t iccLength) {
    if (setjmp(encoder->error.jump)) return cs_jpeg_category(&encoder->error);
    jpeg_create_compress(&encoder->info);
    jpeg_mem_dest(&encoder->info, &encoder->buffer, &encoder->bufferLength);
    encoder->info.image_width = width;
    encoder->info.image_height = height;
    encoder->info.input_components = inputLayout;
    encoder->info.in_color_space =
        inputLayout == CS_JPEG_INPUT_GRAY ? JCS_GRAYSCALE : inputLayout == CS_JPEG_INPUT_CMYK ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&encoder->info);
    if (inputLayout == CS_JPEG_INPUT_CMYK && options->ycck) {
        jpeg_set_colorspace(&encoder->info, JCS_YCCK);
        // Full-resolution chroma, so a YCCK file differs from a CMYK one only by the transform.
        for (int c = 0; c < 4; c++) {
            encoder->info.comp_info[c].h_samp_factor = 1;
            encoder->info.comp_info[c].v_samp_factor = 1;
        }
    }
    jpeg_set_quality(&encoder->info, options->quality, TRUE);
    if (inputLayout == CS_JPEG_INPUT_RGB) {
        // Luma sampling factors; chroma stays 1x1.
        int h = options->subsampling == 444 ? 1 : 2;
        int v = options->subsampling == 420 ? 2 : 1;
        encoder->info.comp_info[0].h_samp_factor = h;
        encoder->info.comp_info[0].v_samp_factor = v;
    }
    if (options->progressive) jpeg_simple_progression(&encoder->info);
    encoder->info.optimize_coding = options->optimizeCoding ? TRUE : FALSE;
    jpeg_start_compress(&encoder->info, TRUE);
    if (exif && exifLength > 0) {
        jpeg_write_m_header(&encoder->info, JPEG_APP0 + 1, (unsigned int)(exifLength + 6));
        static const char prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
        for (int i = 0; i < 6; i++) jpeg_write_m_byte(&encoder->info, prefix[i]);
        for (size_t i = 0; i < exifLength; i++) jpeg_write_m_byte(&encoder->info, exif[i]);
    }
    if (icc && iccLength > 0) jpeg_write_icc_profile(&encoder->info, icc, (unsigned int)iccLength);
    while (encoder->info.next_scanline < encoder->info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)encoder->info.next_scanline * rowStride);
        jpeg_write_scanlines(&encoder->info, &row, 1);
    }
    jpeg_finish_compress(&encoder->info);
    return CS_OK;
}

int cs_jpeg_encode(const uint8_t *pixels, size_t rowStride, uint32_t width, uint32_t height, int inputLayout,
                   const CSJPEGEncodeOptions *options, const uint8_t *exif, size_t exifLength,
                   const uint8_t *icc, size_t iccLength, uint8_t **output, size_t *outputLength,
                   char *message) {
    *output = NULL;
    *outputLength = 0;
    message[0] = 0;
    if (!pixels || !options || width == 0 || height == 0 ||
        (inputLayout != CS_JPEG_INPUT_GRAY && inputLayout != CS_JPEG_INPUT_RGB && inputLayout != CS_JPEG_INPUT_CMYK) ||
        (size_t)width * (size_t)inputLayout > rowStride) {
        snprintf(message, 200, "invalid JPEG encoder arguments");
        return CS_ERR_USAGE;
    }
    if (exifLength + 6 > 65533) {
        snprintf(message, 200, "EXIF block of %zu bytes does not fit in one JPEG APP1 marker (65527 bytes at most)",
                 exifLength);
        return CS_ERR_USAGE;
    }
    CSJPEGEncoder *encoder = (CSJPEGEncoder *)calloc(1, sizeof(CSJPEGEncoder));
    if (!encoder) return CS_ERR_MEMORY;
    size_t guess = (size_t)width * height * (size_t)inputLayout / 4 + exifLength + iccLength + 65536;
    encoder->initial = (unsigned char *)malloc(guess);
    if (!encoder->initial) {
        free(encoder);
        return CS_ERR_MEMORY;
    }
    encoder->buffer = encoder->initial;
    encoder->bufferLength = (unsigned long)guess;
    cs_install_error_manager(&encoder->error);
    encoder->info.err = &encoder->error.base;
    int status = cs_jpeg_encode_guarded(encoder, pixels, rowStride, width, height, inputLayout, options, exif,
                                        exifLength, icc, iccLength);
    if (status == CS_OK) {
        *output = encoder->buffer;
        *outputLength = encoder->bufferLength;
        if (encoder->buffer != encoder->initial) free(encoder->initial);
    } else {
        snprintf(message, 200, "%s", encoder->error.message);
        free(encoder->initial);
    }
    jpeg_destroy_compress(&encoder->info);
    free(encoder);
    return status;
}

// MARK: - Shared

void cs_free(void *pointer) { free(pointer); }

const char *cs_jpeg_library_version(void) {
    return "libjpeg-turbo " CS_STRINGIFY(LIBJPEG_TURBO_VERSION) " (libjpeg API " CS_STRINGIFY(JPEG_LIB_VERSION) ")";
}

// MARK: - Streaming encoder

#include <errno.h>
#include <unistd.h>

#define CS_JPEG_STREAM_BUFFER 65536

struct CSJPEGStream {
    struct jpeg_compress_struct info;
    CSJPEGErrorManager error;
    struct jpeg_destination_mgr destination;
    int fd;
    int created;
    JOCTET buffer[CS_JPEG_STREAM_BUFFER];
};

/// Writes `length` bytes of the buffer to the file, or fails through libjpeg's error exit.
static void cs_jpeg_stream_flush(j_compress_ptr cinfo, size_t length) {
    CSJPEGStream *stream = (CSJPEGStream *)cinfo->client_data;
    size_t written = 0;
    while (written < length) {
        ssize_t count = write(stream->fd, stream->buffer + written, length - written);
        if (count < 0) {
            if (errno == EINTR) continue;
            ERREXIT(cinfo, JERR_FILE_WRITE);
        }
        written += (size_t)count;
    }
}

static void cs_jpeg_stream_init_destination(j_compress_ptr cinfo) {
    CSJPEGStream *stream = (CSJPEGStream *)cinfo->client_data;
    stream->destination.next_output_byte = stream->buffer;
    stream->destination.free_in_buffer = CS_JPEG_STREAM_BUFFER;
}

static boolean cs_jpeg_stream_empty_buffer(j_compress_ptr cinfo) {
    CSJPEGStream *stream = (CSJPEGStream *)cinfo->client_data;
    cs_jpeg_stream_flush(cinfo, CS_JPEG_STREAM_BUFFER);
    stream->destination.next_output_byte = stream->buffer;
    stream->destination.free_in_buffer = CS_JPEG_STREAM_BUFFER;
    return TRUE;
}

static void cs_jpeg_stream_term_destination(j_compress_ptr cinfo) {
    CSJPEGStream *stream = (CSJPEGStream *)cinfo->client_data;
    cs_jpeg_stream_flush(cinfo, CS_JPEG_STREAM_BUFFER - stream->destination.free_in_buffer);
}

static int cs_jpeg_stream_begin_guarded(CSJPEGStream *stream, uint32_t width, uint32_t height, int inputLayout,
                                        const CSJPEGEncodeOptions *options, const uint8_t *exif, size_t exifLength,
                                        const uint8_t *icc, size_t iccLength) {
    if (setjmp(stream->error.jump)) return cs_jpeg_category(&stream->error);
    jpeg_create_compress(&stream->info);
    stream->created = 1;
    stream->info.client_data = stream;
    stream->destination.init_destination = cs_jpeg_stream_init_destination;
    stream->destination.empty_output_buffer = cs_jpeg_stream_empty_buffer;
    stream->destination.term_destination = cs_jpeg_stream_term_destination;
    stream->info.dest = &stream->destination;
    // From here as cs_jpeg_encode_guarded, so both write the same bytes.
    stream->info.image_width = width;
    stream->info.image_height = height;
    stream->info.input_components = inputLayout;
    stream->info.in_color_space =
        inputLayout == CS_JPEG_INPUT_GRAY ? JCS_GRAYSCALE : inputLayout == CS_JPEG_INPUT_CMYK ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&stream->info);
    if (inputLayout == CS_JPEG_INPUT_CMYK && options->ycck) {
        jpeg_set_colorspace(&stream->info, JCS_YCCK);
        for (int c = 0; c < 4; c++) {
            stream->info.comp_info[c].h_samp_factor = 1;
            stream->info.comp_info[c].v_samp_factor = 1;
        }
    }
    jpeg_set_quality(&stream->info, options->quality, TRUE);
    if (inputLayout == CS_JPEG_INPUT_RGB) {
        int h = options->subsampling == 444 ? 1 : 2;
        int v = options->subsampling == 420 ? 2 : 1;
        stream->info.comp_info[0].h_samp_factor = h;
        stream->info.comp_info[0].v_samp_factor = v;
    }
    if (options->progressive) jpeg_simple_progression(&stream->info);
    stream->info.optimize_coding = options->optimizeCoding ? TRUE : FALSE;
    jpeg_start_compress(&stream->info, TRUE);
    if (exif && exifLength > 0) {
        jpeg_write_m_header(&stream->info, JPEG_APP0 + 1, (unsigned int)(exifLength + 6));
        static const char prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
        for (int i = 0; i < 6; i++) jpeg_write_m_byte(&stream->info, prefix[i]);
        for (size_t i = 0; i < exifLength; i++) jpeg_write_m_byte(&stream->info, exif[i]);
    }
    if (icc && iccLength > 0) jpeg_write_icc_profile(&stream->info, icc, (unsigned int)iccLength);
    return CS_OK;
}

CSJPEGStream *cs_jpeg_stream_begin(int fd, uint32_t width, uint32_t height, int inputLayout,
                                   const CSJPEGEncodeOptions *options, const uint8_t *exif, size_t exifLength,
                                   const uint8_t *icc, size_t iccLength, int *status, char *message) {
    message[0] = 0;
    if (fd < 0 || !options || width == 0 || height == 0 ||
        (inputLayout != CS_JPEG_INPUT_GRAY && inputLayout != CS_JPEG_INPUT_RGB && inputLayout != CS_JPEG_INPUT_CMYK)) {
        snprintf(message, 200, "invalid JPEG encoder arguments");
        *status = CS_ERR_USAGE;
        return NULL;
    }
    if (exifLength + 6 > 65533) {
        snprintf(message, 200, "EXIF block of %zu bytes does not fit in one JPEG APP1 marker (65527 bytes at most)",
                 exifLength);
        *status = CS_ERR_USAGE;
        return NULL;
    }
    CSJPEGStream *stream = (CSJPEGStream *)calloc(1, sizeof(CSJPEGStream));
    if (!stream) {
        *status = CS_ERR_MEMORY;
        return NULL;
    }
    stream->fd = fd;
    cs_install_error_manager(&stream->error);
    stream->info.err = &stream->error.base;
    *status = cs_jpeg_stream_begin_guarded(stream, width, height, inputLayout, options, exif, exifLength, icc,
                                           iccLength);
    if (*status != CS_OK) {
        snprintf(message, 200, "%s", stream->error.message);
        cs_jpeg_stream_destroy(stream);
        return NULL;
    }
    return stream;
}

int cs_jpeg_stream_write_rows(CSJPEGStream *stream, const uint8_t *pixels, size_t rowStride, uint32_t rows) {
    if (!stream || !pixels || rows > stream->info.image_height - stream->info.next_scanline) return CS_ERR_USAGE;
    if (setjmp(stream->error.jump)) return cs_jpeg_category(&stream->error);
    for (uint32_t row = 0; row < rows; row++) {
        JSAMPROW line = (JSAMPROW)(pixels + (size_t)row * rowStride);
        jpeg_write_scanlines(&stream->info, &line, 1);
    }
    return CS_OK;
}

int cs_jpeg_stream_finish(CSJPEGStream *stream) {
    if (!stream || stream->info.next_scanline != stream->info.image_height) return CS_ERR_USAGE;
    if (setjmp(stream->error.jump)) return cs_jpeg_category(&stream->error);
    jpeg_finish_compress(&stream->info);
    return CS_OK;
}

const char *cs_jpeg_stream_message(const CSJPEGStream *stream) { return stream->error.message; }

void cs_jpeg_stream_destroy(CSJPEGStream *stream) {
    if (!stream) return;
    if (stream->created) jpeg_destroy_compress(&stream->info);
    free(stream);
}
