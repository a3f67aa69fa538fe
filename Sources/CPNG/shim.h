// libpng's simplified API, wrapped so Swift never fills png_image's macro-defined fields itself.
#include <png.h>
#include <stdlib.h>
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

/// Starts decoding the PNG held in `bytes` (which must stay valid until `usv_png_finish_memory` or
/// `usv_png_free_memory`): one read of the file, so the size the caller allocates for and the image decoded are the
/// same. Returns a heap `png_image` (NULL on failure, with `message` set) and its width and height.
static inline png_image *usv_png_begin_memory(const unsigned char *bytes, size_t size, unsigned *width, unsigned *height,
                                             char *message, size_t message_size) {
    png_image *image = (png_image *)calloc(1, sizeof(png_image));
    if (image == NULL) {
        if (message_size > 0) { strncpy(message, "out of memory", message_size - 1); message[message_size - 1] = 0; }
        return NULL;
    }
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, bytes, size)) {
        if (message_size > 0) { strncpy(message, image->message, message_size - 1); message[message_size - 1] = 0; }
        png_image_free(image);
        free(image);
        return NULL;
    }
    *width = image->width;
    *height = image->height;
    return image;
}

/// Decodes the image begun by `usv_png_begin_memory` as 8-bit gray (`rgb` 0) or RGB (`rgb` 1) into `pixels`, which
/// holds `pixels_size` bytes; refuses (returns 0) when the decoded image would not fit. Frees the image either way.
static inline int usv_png_finish_memory(png_image *image, int rgb, unsigned char *pixels, size_t pixels_size,
                                        char *message, size_t message_size) {
    image->format = rgb ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    int ok = 0;
    if ((size_t)PNG_IMAGE_SIZE(*image) > pixels_size) {
        if (message_size > 0) { strncpy(message, "the image is larger than its buffer", message_size - 1); message[message_size - 1] = 0; }
        png_image_free(image);
    } else {
        ok = png_image_finish_read(image, NULL, pixels, 0, NULL);
        if (!ok && message_size > 0) { strncpy(message, image->message, message_size - 1); message[message_size - 1] = 0; }
        png_image_free(image);
    }
    free(image);
    return ok;
}

/// Abandons an image begun by `usv_png_begin_memory`.
static inline void usv_png_free_memory(png_image *image) {
    png_image_free(image);
    free(image);
}
