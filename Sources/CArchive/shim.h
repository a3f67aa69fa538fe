// libarchive: stream members of zip/tar/tar.gz/tar.zst archives without extracting them.
#include <archive.h>
#include <archive_entry.h>
