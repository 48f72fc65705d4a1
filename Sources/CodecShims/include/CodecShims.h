// The only C in the package: libjpeg and libpng calls guarded by setjmp, so that the libraries'
// fatal errors (libjpeg's default handler calls exit()) come back as return codes. Swift cannot
// call setjmp (PERF-NOTES §5), and must never sit between a setjmp and its longjmp, so every
// libjpeg/libpng call that can fail is made from one of these functions.
//
// Conventions: functions return CS_OK (0) or a CS_ERR_* category; the message of the last error
// is available from the decoder/encoder object until it is destroyed. Pointers handed out by
// the shims stay valid until the object is destroyed; buffers the caller must free say so.

#ifndef CODEC_SHIMS_H
#define CODEC_SHIMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result categories shared by the JPEG and PNG shims.
enum {
    CS_OK = 0,
    CS_ERR_CORRUPT = 1,      // the data violate the format
    CS_ERR_TRUNCATED = 2,    // the data end early
    CS_ERR_UNSUPPORTED = 3,  // valid, but a feature this build cannot decode (12-bit, lossless JPEG)
    CS_ERR_MEMORY = 4,       // an allocation failed
    CS_ERR_USAGE = 5         // bad arguments from the Swift side (a bug, not bad data)
};

// MARK: - JPEG decoding

/// JPEG colour spaces as reported by the header (values of our own, not libjpeg's enum).
enum {
    CS_JPEG_UNKNOWN = 0,
    CS_JPEG_GRAY = 1,
    CS_JPEG_RGB = 2,
    CS_JPEG_YCBCR = 3,
    CS_JPEG_CMYK = 4,
    CS_JPEG_YCCK = 5
};

typedef struct CSJPEGHeader {
    uint32_t width;
    uint32_t height;
    int components;      // components in the file: 1, 3 or 4
    int colorSpace;      // CS_JPEG_*
    int progressive;     // 1 for a progressive (SOF2) file
    int arithmetic;      // 1 for arithmetic coding
    int precision;       // bits per sample, 8 here (12-bit files fail with CS_ERR_UNSUPPORTED)
    int sawAdobeMarker;  // 1 when an Adobe APP14 marker was present
} CSJPEGHeader;

typedef struct CSJPEGDecoder CSJPEGDecoder;

/// A decoder for one image; NULL when out of memory.
CSJPEGDecoder *cs_jpeg_decoder_create(void);
void cs_jpeg_decoder_destroy(CSJPEGDecoder *decoder);

/// Reads the markers up to the first scan from `data` (which must outlive the decoder's use),
/// keeping APP1 (EXIF) and APP2 (ICC) markers.
int cs_jpeg_read_header(CSJPEGDecoder *decoder, const uint8_t *data, size_t size, CSJPEGHeader *header);

/// The payload of the first APP1 marker that starts with "Exif\0\0", without that prefix
/// (TIFF header onwards), or NULL. Valid after cs_jpeg_read_header.
const uint8_t *cs_jpeg_exif(CSJPEGDecoder *decoder, size_t *length);

/// The ICC profile reassembled from APP2 markers, or NULL (also when the markers are damaged).
/// The caller frees the returned buffer with cs_free.
uint8_t *cs_jpeg_icc(CSJPEGDecoder *decoder, size_t *length);

/// Decodes the whole image into `pixels` (rows of `rowStride` bytes). `outComponents` is 1 (gray
/// files only), 3 (RGB) or 4 (raw CMYK, for CMYK/YCCK files). `rowsDone` receives the number of
/// rows written before any error, so a caller can keep a partly decoded image.
int cs_jpeg_decompress(CSJPEGDecoder *decoder, int outComponents, uint8_t *pixels, size_t rowStride,
                       uint32_t *rowsDone);

/// Decodes only the rectangle (x, y, width, height) of the image into `pixels` (rows of
/// `rowStride` bytes), skipping the rows above it and the iMCU columns beside it.
int cs_jpeg_decompress_region(CSJPEGDecoder *decoder, int outComponents, uint32_t x, uint32_t y,
                              uint32_t width, uint32_t height, uint8_t *pixels, size_t rowStride,
                              uint32_t *rowsDone);

/// The message of the last fatal error ("" when none).
const char *cs_jpeg_error_message(const CSJPEGDecoder *decoder);
/// Corrupt-data warnings seen so far (libjpeg keeps decoding through them).
int cs_jpeg_warning_count(const CSJPEGDecoder *decoder);
/// The first warning's message ("" when none).
const char *cs_jpeg_first_warning(const CSJPEGDecoder *decoder);
/// 1 when libjpeg ran out of data (it then pads the image and warns "Premature end of JPEG file").
int cs_jpeg_hit_end_of_data(const CSJPEGDecoder *decoder);
/// Warnings about metadata only (a bad ICC marker, an unknown JFIF revision), which leave every
/// pixel intact and are not counted by cs_jpeg_warning_count; and the first one's text.
int cs_jpeg_metadata_warning_count(const CSJPEGDecoder *decoder);
const char *cs_jpeg_first_metadata_warning(const CSJPEGDecoder *decoder);

// MARK: - JPEG encoding

/// Input layout for the encoder.
enum {
    CS_JPEG_INPUT_GRAY = 1,
    CS_JPEG_INPUT_RGB = 3,
    CS_JPEG_INPUT_CMYK = 4  // stored Adobe-inverted, as Photoshop and Pillow write it
};

typedef struct CSJPEGEncodeOptions {
    int quality;          // 1...100
    int subsampling;      // 444, 422 or 420 (colour input only)
    int progressive;      // 1 for a progressive file
    int optimizeCoding;   // 1 for optimized Huffman tables
    int ycck;             // CMYK input only: store as YCCK instead of CMYK
} CSJPEGEncodeOptions;

/// Encodes `height` rows of `width` pixels into a malloc'ed buffer (*output, freed by the caller
/// with cs_free). EXIF bytes (TIFF header onwards) go into an APP1 marker after "Exif\0\0"; the
/// ICC profile into APP2 markers. `message` (at least 200 bytes) receives any error message.
int cs_jpeg_encode(const uint8_t *pixels, size_t rowStride, uint32_t width, uint32_t height, int inputLayout,
                   const CSJPEGEncodeOptions *options, const uint8_t *exif, size_t exifLength,
                   const uint8_t *icc, size_t iccLength, uint8_t **output, size_t *outputLength,
                   char *message);

// MARK: - PNG decoding

typedef struct CSPNGHeader {
    uint32_t width;
    uint32_t height;
    int bitDepth;        // in the file: 1, 2, 4, 8 or 16
    int colorType;       // 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int interlaced;      // 1 for Adam7
    int hasTransparency; // 1 when a tRNS chunk is present
    int outChannels;     // channels after expansion: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int outBitDepth;     // 8, or 16 when the file is 16-bit and 16-bit output was requested
    size_t outRowBytes;  // bytes per output row
} CSPNGHeader;

typedef struct CSPNGDecoder CSPNGDecoder;

/// A decoder reading from `data` (which must outlive it); NULL when out of memory.
CSPNGDecoder *cs_png_decoder_create(const uint8_t *data, size_t size);
void cs_png_decoder_destroy(CSPNGDecoder *decoder);

/// Reads the chunks before the image data and sets up the expansion to 8-bit (or 16-bit when
/// `keep16` is 1 and the file has 16-bit samples, in host byte order) gray, gray+alpha, RGB or RGBA.
int cs_png_read_header(CSPNGDecoder *decoder, int keep16, CSPNGHeader *header);

/// Decodes every row (all interlace passes) into `pixels` (rows of `rowStride` >= outRowBytes
/// bytes), then reads the chunks after the image data (a late eXIf).
int cs_png_decompress(CSPNGDecoder *decoder, uint8_t *pixels, size_t rowStride);

/// The eXIf chunk (TIFF header onwards) or NULL; valid after cs_png_decompress.
const uint8_t *cs_png_exif(CSPNGDecoder *decoder, size_t *length);
/// The decompressed iCCP profile or NULL; valid after cs_png_read_header.
const uint8_t *cs_png_icc(CSPNGDecoder *decoder, size_t *length);

const char *cs_png_error_message(const CSPNGDecoder *decoder);
int cs_png_warning_count(const CSPNGDecoder *decoder);
const char *cs_png_first_warning(const CSPNGDecoder *decoder);

// MARK: - PNG encoding

/// Encodes `height` rows of `width` pixels with `channels` (1...4) samples of `bitDepth` (8, or
/// 16 in host byte order) into a malloc'ed buffer (freed with cs_free). `compressionLevel` is
/// zlib's 0...9. EXIF goes into an eXIf chunk, the ICC profile into iCCP.
int cs_png_encode(const uint8_t *pixels, size_t rowStride, uint32_t width, uint32_t height, int channels,
                  int bitDepth, int compressionLevel, const uint8_t *exif, size_t exifLength,
                  const uint8_t *icc, size_t iccLength, uint8_t **output, size_t *outputLength,
                  char *message);

// MARK: - Streaming encoders (row by row into a file descriptor)

/// An encoder that takes the image a few rows at a time and writes the file as it goes, so the
/// whole image never needs to be in memory. The caller owns `fd` (opened for writing, positioned
/// at the start); the encoder writes to it and never closes it.
typedef struct CSPNGStream CSPNGStream;

/// Starts a PNG of `width`×`height` pixels (`channels` 1...4 samples of `bitDepth` 8 or 16 bits, in
/// host byte order for 16) and writes the header chunks (iCCP, eXIf as cs_png_encode). Returns NULL
/// and sets `*status` and `message` (at least 200 bytes) when that fails.
CSPNGStream *cs_png_stream_begin(int fd, uint32_t width, uint32_t height, int channels, int bitDepth,
                                 int compressionLevel, const uint8_t *exif, size_t exifLength, const uint8_t *icc,
                                 size_t iccLength, int *status, char *message);
/// Writes the next `rows` rows (each `rowStride` bytes apart).
int cs_png_stream_write_rows(CSPNGStream *stream, const uint8_t *pixels, size_t rowStride, uint32_t rows);
/// Writes the end of the file; every row must have been written.
int cs_png_stream_finish(CSPNGStream *stream);
/// The message of the last error ("" when none).
const char *cs_png_stream_message(const CSPNGStream *stream);
void cs_png_stream_destroy(CSPNGStream *stream);

typedef struct CSJPEGStream CSJPEGStream;

/// Starts a JPEG as cs_jpeg_encode would write it (same options, EXIF and ICC markers), into `fd`.
/// Returns NULL and sets `*status` and `message` (at least 200 bytes) when that fails.
CSJPEGStream *cs_jpeg_stream_begin(int fd, uint32_t width, uint32_t height, int inputLayout,
                                   const CSJPEGEncodeOptions *options, const uint8_t *exif, size_t exifLength,
                                   const uint8_t *icc, size_t iccLength, int *status, char *message);
/// Writes the next `rows` scanlines (each `rowStride` bytes apart).
int cs_jpeg_stream_write_rows(CSJPEGStream *stream, const uint8_t *pixels, size_t rowStride, uint32_t rows);
/// Finishes the file; every row must have been written.
int cs_jpeg_stream_finish(CSJPEGStream *stream);
const char *cs_jpeg_stream_message(const CSJPEGStream *stream);
void cs_jpeg_stream_destroy(CSJPEGStream *stream);

// MARK: - Shared

void cs_free(void *pointer);
/// "libjpeg-turbo 2.1.5 (API 62)" style strings for diagnostics.
const char *cs_jpeg_library_version(void);
const char *cs_png_library_version(void);

#ifdef __cplusplus
}
#endif

#endif
