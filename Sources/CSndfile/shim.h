// libsndfile: read and write audio. Only the public API is used.
#include <sndfile.h>
