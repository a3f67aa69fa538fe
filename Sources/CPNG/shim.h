// libpng's simplified API, wrapped so Swift never fills png_image's macro-defined fields itself.
#include <png.h>
#include <string.h>

/// Writes 8-bit RGB (3 bytes per pixel, rows top to bottom). Returns 1 on success; `message` gets libpng's
/// error text (at least 64 bytes).
static inline int usv_png_write_rgb(const char *path, unsigned width, unsigned height, const unsigned char *pixels,
                                    char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = PNG_FORMAT_RGB;
    int ok = png_image_write_to_file(&image, path, 0, pixels, 0, NULL);
    if (!ok && message_size > 0) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
    png_image_free(&image);
    return ok;
}

/// Reads any PNG as 8-bit grayscale. First call with pixels == NULL to get width and height; then again with
/// a buffer of width × height bytes. Returns 1 on success.
static inline int usv_png_read_gray(const char *path, unsigned *width, unsigned *height, unsigned char *pixels,
                                    char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        if (message_size > 0) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
        return 0;
    }
    *width = image.width;
    *height = image.height;
    if (pixels == NULL) { png_image_free(&image); return 1; }
    image.format = PNG_FORMAT_GRAY;
    int ok = png_image_finish_read(&image, NULL, pixels, 0, NULL);
    if (!ok && message_size > 0) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
    png_image_free(&image);
    return ok;
}

/// Reads any PNG as 8-bit RGB (3 bytes per pixel). First call with pixels == NULL to get width and height; then
/// again with a buffer of width × height × 3 bytes. Returns 1 on success.
static inline int usv_png_read_rgb(const char *path, unsigned *width, unsigned *height, unsigned char *pixels,
                                   char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        if (message_size > 0) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
        return 0;
    }
    *width = image.width;
    *height = image.height;
    if (pixels == NULL) { png_image_free(&image); return 1; }
    image.format = PNG_FORMAT_RGB;
    int ok = png_image_finish_read(&image, NULL, pixels, 0, NULL);
    if (!ok && message_size > 0) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
    png_image_free(&image);
    return ok;
}
