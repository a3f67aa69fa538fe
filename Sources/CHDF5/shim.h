// HDF5 (serial). The H5T_NATIVE_* and H5P_* names are macros over mutable library globals that Swift 6
// cannot touch safely, so each one used is wrapped in a static inline function here.
#include <hdf5.h>

static inline hid_t usv_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t usv_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t usv_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t usv_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t usv_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t usv_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t usv_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t usv_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t usv_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t usv_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t usv_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t usv_h5t_std_ref_obj(void) { return H5T_STD_REF_OBJ; }
static inline hid_t usv_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t usv_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t usv_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline H5F_libver_t usv_h5f_libver_latest(void) { return H5F_LIBVER_LATEST; }
static inline hid_t usv_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t usv_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t usv_h5s_all(void) { return H5S_ALL; }
static inline unsigned usv_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned usv_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned usv_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hsize_t usv_h5s_unlimited(void) { return H5S_UNLIMITED; }

/// Turns off HDF5's automatic error-stack printing: USVKit reports its own errors.
static inline void usv_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline size_t usv_h5t_variable(void) { return H5T_VARIABLE; }

// --- Variable-length data read in a child process (HDF5Isolation) -------------------------------------------------
// libhdf5 1.10.8 copies past a buffer (H5HG_read under H5T__conv_vlen) when a file's variable-length data points at a
// global-heap object larger than the sequence it declares, which a damaged or hostile file does. Every read of
// variable-length data therefore happens in a forked child that runs C code only (no Swift runtime, whose locks another
// thread may hold at the fork), opens the file anew (stdio driver: its own descriptor, so the parent's file position is
// untouched), and sends the values back through a pipe: [u64 length or UINT64_MAX for none][bytes] per element. A child
// that dies leaves the parent untouched.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    unsigned char *bytes;  /* malloc'd; the caller frees it */
    size_t size;
    int signal;            /* > 0: the signal that killed the child */
    int status;            /* the child's exit status: 0 read; 3 cannot read; 4 too large; -1 no child could be made */
} usv_h5_isolated_read;

static inline int usv_h5__write_all(int fd, const void *data, size_t size) {
    const unsigned char *bytes = (const unsigned char *)data;
    while (size > 0) {
        ssize_t written = write(fd, bytes, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return -1;
        bytes += written;
        size -= (size_t)written;
    }
    return 0;
}

static inline int usv_h5__send(int fd, const char *data, size_t length, int present) {
    uint64_t header = present ? (uint64_t)length : UINT64_MAX;
    if (usv_h5__write_all(fd, &header, sizeof header) != 0) return -1;
    return present && length > 0 ? usv_h5__write_all(fd, data, length) : 0;
}

/// The child: kind 0 = attribute of variable-length sequences of 1-byte characters (MATLAB_fields), 1 = attribute of
/// variable-length strings, 2 = dataset of variable-length strings. Returns the exit status.
static inline int usv_h5__child_read(int fd, const char *path, const char *object, const char *attribute, int kind) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    if (access < 0 || H5Pset_fapl_stdio(access) < 0) return 11;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, access);
    if (file < 0) return 12;
    hid_t holder = kind == 2 ? H5Dopen2(file, object, H5P_DEFAULT) : H5Oopen(file, object, H5P_DEFAULT);
    if (holder < 0) return 13;
    hid_t item = kind == 2 ? holder : H5Aopen(holder, attribute, H5P_DEFAULT);
    if (item < 0) return 14;
    hid_t space = kind == 2 ? H5Dget_space(item) : H5Aget_space(item);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (space < 0 || count < 0 || count > (1 << 26)) return 15;
    /* The memory type takes the stored character set: HDF5 does not convert between ASCII and UTF-8. */
    hid_t stored = kind == 2 ? H5Dget_type(item) : H5Aget_type(item);
    if (stored < 0) return 16;
    hid_t stored_character = kind == 0 ? H5Tget_super(stored) : H5Tcopy(stored);
    H5T_cset_t cset = stored_character >= 0 && H5Tget_class(stored_character) == H5T_STRING ? H5Tget_cset(stored_character) : H5T_CSET_ASCII;
    if (cset < 0) cset = H5T_CSET_ASCII;
    hid_t type;
    if (kind == 0) {
        hid_t character = H5Tcopy(H5T_C_S1);
        H5Tset_size(character, 1);
        H5Tset_strpad(character, H5T_STR_NULLPAD);
        H5Tset_cset(character, cset);
        type = H5Tvlen_create(character);
    } else {
        type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        H5Tset_cset(type, cset);
    }
    if (type < 0) return 17;
    size_t element = kind == 0 ? sizeof(hvl_t) : sizeof(char *);
    void *buffer = calloc(count > 0 ? (size_t)count : 1, element);
    if (buffer == NULL) return 18;
    herr_t read = count == 0 ? 0 : kind == 2 ? H5Dread(item, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer) : H5Aread(item, type, buffer);
    if (read < 0) return 19;
    for (hssize_t index = 0; index < count; index++) {
        int failed;
        if (kind == 0) {
            hvl_t sequence = ((hvl_t *)buffer)[index];
            failed = usv_h5__send(fd, (const char *)sequence.p, sequence.p ? sequence.len : 0, 1);
        } else {
            const char *text = ((char **)buffer)[index];
            failed = usv_h5__send(fd, text, text ? strlen(text) : 0, text != NULL);
        }
        if (failed) return 20;
    }
    return 0;
}

static inline usv_h5_isolated_read usv_h5_read_variable_isolated(const char *path, const char *object, const char *attribute,
                                                                 int kind, size_t limit, int timeout_seconds) {
    usv_h5_isolated_read result = {NULL, 0, 0, -1};
    int fds[2];
    if (pipe(fds) != 0) return result;
    pid_t child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        return result;
    }
    if (child == 0) {
        /* Die quietly: the parent's crash handlers (Swift's backtracer, which would print a crash report for a death
           the parent handles) are not the child's business. */
        const int deadly[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
        for (size_t index = 0; index < sizeof deadly / sizeof deadly[0]; index++) signal(deadly[index], SIG_DFL);
        close(fds[0]);
        _exit(usv_h5__child_read(fds[1], path, object, attribute, kind));
    }
    close(fds[1]);
    size_t capacity = 1 << 16, size = 0;
    unsigned char *buffer = (unsigned char *)malloc(capacity);
    int too_large = 0;
    struct pollfd wait_for = {fds[0], POLLIN, 0};
    while (buffer != NULL) {
        int ready = poll(&wait_for, 1, timeout_seconds * 1000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) { too_large = 1; break; }  /* a child that sends nothing for this long is abandoned */
        if (size == capacity) {
            if (capacity >= limit) { too_large = 1; break; }
            unsigned char *grown = (unsigned char *)realloc(buffer, capacity * 2);
            if (grown == NULL) { too_large = 1; break; }
            buffer = grown;
            capacity *= 2;
        }
        ssize_t got = read(fds[0], buffer + size, capacity - size);
        if (got > 0) { size += (size_t)got; continue; }
        if (got < 0 && errno == EINTR) continue;
        break;
    }
    close(fds[0]);
    if (too_large || buffer == NULL) kill(child, SIGKILL);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status) && !too_large) {
        result.signal = WTERMSIG(status);
        free(buffer);
        return result;
    }
    result.status = too_large || buffer == NULL ? 4 : WEXITSTATUS(status);
    result.bytes = buffer;
    result.size = size;
    return result;
}
