// zlib: the compressed elements of MATLAB v5 files are zlib streams.
#include <zlib.h>

/// inflateInit is a macro over inflateInit_ (version and struct size checks); wrapped for Swift.
static inline int usv_inflate_init(z_stream *stream) { return inflateInit(stream); }
