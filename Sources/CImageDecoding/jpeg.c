#include "CImageDecoding.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int truncated;
    char *message;
} fid_error_mgr;

static void fid_error_exit(j_common_ptr cinfo) {
    fid_error_mgr *err = (fid_error_mgr *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    snprintf(err->message, 200, "%s", buffer);
    longjmp(err->jump, 1);
}

// Warnings are ignored (as Pillow does), except the one libjpeg emits when the data runs out:
// Pillow refuses truncated images by default, and so do we.
static void fid_emit_message(j_common_ptr cinfo, int level) {
    fid_error_mgr *err = (fid_error_mgr *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) err->truncated = 1;
}

static void fid_output_message(j_common_ptr cinfo) { (void)cinfo; }

int fid_jpeg_decode(const uint8_t *data, size_t size, int64_t maxPixels, fid_jpeg_image *out) {
    struct jpeg_decompress_struct cinfo;
    fid_error_mgr err;
    memset(out, 0, sizeof *out);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = fid_error_exit;
    err.base.emit_message = fid_emit_message;
    err.base.output_message = fid_output_message;
    err.truncated = 0;
    err.message = out->message;
    uint8_t *volatile pixels = NULL;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(out->exif);
        out->exif = NULL;
        return err.truncated ? FID_TRUNCATED : FID_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    if (err.truncated) {
        snprintf(out->message, 200, "premature end of JPEG data in the header");
        jpeg_destroy_decompress(&cinfo);
        return FID_TRUNCATED;
    }
    out->width = (int)cinfo.image_width;
    out->height = (int)cinfo.image_height;
    out->jpegColorSpace = (int)cinfo.jpeg_color_space;
    out->sawAdobeMarker = cinfo.saw_Adobe_marker;
    out->adobeTransform = cinfo.Adobe_transform;
    if ((int64_t)cinfo.image_width * (int64_t)cinfo.image_height > maxPixels) {
        jpeg_destroy_decompress(&cinfo);
        return FID_TOO_LARGE;
    }
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
            out->exif = malloc(m->data_length - 6);
            if (out->exif) {
                memcpy(out->exif, m->data + 6, m->data_length - 6);
                out->exifSize = m->data_length - 6;
            }
            break;
        }
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    int components = cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * (size_t)components;
    pixels = malloc(stride * cinfo.output_height + 1);
    if (!pixels) {
        jpeg_destroy_decompress(&cinfo);
        free(out->exif);
        out->exif = NULL;
        snprintf(out->message, 200, "out of memory for %u×%u pixels", cinfo.output_width, cinfo.output_height);
        return FID_NO_MEMORY;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (err.truncated) {
        free(pixels);
        free(out->exif);
        out->exif = NULL;
        snprintf(out->message, 200, "premature end of JPEG data");
        return FID_TRUNCATED;
    }
    out->components = components;
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->pixels = pixels;
    return FID_OK;
}

int fid_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality,
                    uint8_t **out, size_t *outSize, char message[200]) {
    struct jpeg_compress_struct cinfo;
    fid_error_mgr err;
    unsigned char *volatile buffer = NULL;
    unsigned long bufferSize = 0;
    *out = NULL;
    *outSize = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = fid_error_exit;
    err.base.emit_message = fid_emit_message;
    err.base.output_message = fid_output_message;
    err.truncated = 0;
    err.message = message;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return FID_ERROR;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *b = NULL;
    jpeg_mem_dest(&cinfo, &b, &bufferSize);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    buffer = b;
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *outSize = bufferSize;
    return FID_OK;
}

void fid_free(void *pointer) { free(pointer); }
