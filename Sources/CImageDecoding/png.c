#include "CImageDecoding.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} fid_png_reader;

static void fid_png_read(png_structp png, png_bytep into, png_size_t length) {
    fid_png_reader *r = (fid_png_reader *)png_get_io_ptr(png);
    if (r->size - r->offset < length) {
        r->offset = r->size;
        png_error(png, "fid:truncated");
    }
    memcpy(into, r->data + r->offset, length);
    r->offset += length;
}

static void fid_png_error(png_structp png, png_const_charp message) {
    char *target = (char *)png_get_error_ptr(png);
    snprintf(target, 200, "%s", message);
    png_longjmp(png, 1);
}

static void fid_png_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

int fid_png_decode(const uint8_t *data, size_t size, int64_t maxPixels, fid_png_image *out) {
    memset(out, 0, sizeof *out);
    fid_png_reader reader = {data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, out->message, fid_png_error, fid_png_warning);
    if (!png) {
        snprintf(out->message, 200, "libpng could not start");
        return FID_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(out->message, 200, "libpng could not start");
        return FID_NO_MEMORY;
    }
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        free(out->exif);
        out->exif = NULL;
        if (strcmp(out->message, "fid:truncated") == 0) {
            snprintf(out->message, 200, "the PNG data ends early");
            return FID_TRUNCATED;
        }
        return FID_ERROR;
    }
    png_set_read_fn(png, &reader, fid_png_read);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bitDepth = 0, colorType = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bitDepth, &colorType, &interlace, NULL, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->bitDepth = bitDepth;
    out->colorType = colorType;
    if ((int64_t)width * (int64_t)height > maxPixels) {
        png_destroy_read_struct(&png, &info, NULL);
        return FID_TOO_LARGE;
    }
    if (colorType == PNG_COLOR_TYPE_PALETTE) {
        png_colorp palette = NULL;
        int count = 0;
        if (png_get_PLTE(png, info, &palette, &count) && palette) {
            if (count > 256) count = 256;
            for (int i = 0; i < count; i++) {
                out->palette[3 * i] = palette[i].red;
                out->palette[3 * i + 1] = palette[i].green;
                out->palette[3 * i + 2] = palette[i].blue;
            }
            out->paletteCount = count;
        }
    }
#ifdef PNG_eXIf_SUPPORTED
    {
        png_bytep exif = NULL;
        png_uint_32 exifSize = 0;
        if (png_get_eXIf_1(png, info, &exifSize, &exif) && exif && exifSize > 0) {
            out->exif = malloc(exifSize);
            if (out->exif) {
                memcpy(out->exif, exif, exifSize);
                out->exifSize = exifSize;
            }
        }
    }
#endif
    if (bitDepth < 8) png_set_packing(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowBytes = png_get_rowbytes(png, info);
    out->channels = png_get_channels(png, info);
    out->rowBytes = rowBytes;
    pixels = malloc(rowBytes * height + 1);
    rows = malloc(sizeof(png_bytep) * (height + 1));
    if (!pixels || !rows) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        free(out->exif);
        out->exif = NULL;
        snprintf(out->message, 200, "out of memory for %u×%u pixels", width, height);
        return FID_NO_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + rowBytes * y;
    png_read_image(png, rows);
    // No png_read_end: like Pillow, chunks after the image data (even a missing IEND) are not
    // an error.
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->pixels = pixels;
    return FID_OK;
}
