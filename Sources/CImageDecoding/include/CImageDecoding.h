// CImageDecoding: the only C in FinetuneData. libjpeg and libpng report fatal errors by
// longjmp, which Swift cannot catch; these wrappers own the setjmp and turn every error into a
// return code plus a message. Nothing else lives here: pixel conversions are Swift.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// Result codes shared by every function below.
enum {
    FID_OK = 0,
    FID_ERROR = 1,        ///< the library rejected the data; `message` says why
    FID_TRUNCATED = 2,    ///< the data ends before the image does
    FID_TOO_LARGE = 3,    ///< width × height exceeds the caller's pixel limit
    FID_NO_MEMORY = 4,
};

/// A decoded JPEG: `components` bytes a pixel, rows top to bottom, as libjpeg produced them with
/// its default (Pillow's) settings: islow DCT, fancy upsampling, output colour space RGB for
/// YCbCr/RGB files, GRAYSCALE for one component, CMYK for CMYK/YCCK files (not inverted).
typedef struct {
    int width;
    int height;
    int components;          ///< 1, 3 or 4
    int jpegColorSpace;      ///< J_COLOR_SPACE of the file (1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK)
    int sawAdobeMarker;
    int adobeTransform;
    uint8_t *pixels;         ///< malloc'd; release with fid_free
    uint8_t *exif;           ///< malloc'd APP1 "Exif\0\0" payload (TIFF header onwards) or NULL
    size_t exifSize;
    char message[200];
} fid_jpeg_image;

int fid_jpeg_decode(const uint8_t *data, size_t size, int64_t maxPixels, fid_jpeg_image *out);

/// Encodes 8-bit pixels (1 = gray, 3 = RGB) as a baseline JFIF JPEG, 4:2:0 for RGB, islow DCT.
/// `*out` is malloc'd; release with fid_free.
int fid_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality,
                    uint8_t **out, size_t *outSize, char message[200]);

/// A decoded PNG, rows top to bottom, de-interlaced, sub-byte samples unpacked to one byte each
/// (values unscaled), 16-bit samples big-endian. No gamma, colour or alpha processing.
typedef struct {
    int width;
    int height;
    int bitDepth;            ///< 1, 2, 4, 8 or 16 (of the file)
    int colorType;           ///< PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int channels;            ///< samples a pixel in `pixels`
    size_t rowBytes;
    uint8_t palette[256 * 3];
    int paletteCount;
    uint8_t *pixels;         ///< malloc'd height × rowBytes; release with fid_free
    uint8_t *exif;           ///< malloc'd eXIf chunk or NULL
    size_t exifSize;
    char message[200];
} fid_png_image;

int fid_png_decode(const uint8_t *data, size_t size, int64_t maxPixels, fid_png_image *out);

void fid_free(void *pointer);
