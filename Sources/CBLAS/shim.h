// OpenBLAS: CBLAS plus the LAPACK routines that libopenblas exports (Fortran calling convention).
#include <cblas.h>

// Cholesky factorisation and solve (LAPACK, Fortran calling convention), exported by libopenblas with the
// same prototypes as its f77blas.h.
int spotrf_(char *uplo, blasint *n, float *a, blasint *lda, blasint *info);
int spotrs_(char *uplo, blasint *n, blasint *nrhs, float *a, blasint *lda, float *b, blasint *ldb, blasint *info);
int dpotrf_(char *uplo, blasint *n, double *a, blasint *lda, blasint *info);
int dpotrs_(char *uplo, blasint *n, blasint *nrhs, double *a, blasint *lda, double *b, blasint *ldb, blasint *info);

/// Number of threads OpenBLAS uses; wrapped so Swift never touches OpenBLAS's globals directly.
static inline void usv_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int usv_blas_get_threads(void) { return openblas_get_num_threads(); }

/// Name of the kernel family OpenBLAS chose for this CPU ("Haswell", "Zen", "SkylakeX", …).
static inline const char *usv_blas_core_name(void) { return openblas_get_corename(); }

/// Whether this CPU has AVX2 and FMA, which the vector kernels (module USVVectorKernels) are compiled for.
static inline int usv_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/// OpenBLAS's build description: version, DYNAMIC_ARCH, the core family in use ("OpenBLAS 0.3.21 … Haswell …").
static inline const char *usv_blas_config(void) { return openblas_get_config(); }

// --- What the CPU offers, for choosing OpenBLAS's kernel family (USVLearn's BLASKernels.swift decodes the bits) ---
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/// CPUID leaf `leaf`, sub-leaf `subleaf` into registers[0...3] = eax, ebx, ecx, edx; 0 when the leaf does not exist
/// (or the CPU is not x86).
static inline int usv_cpuid(unsigned leaf, unsigned subleaf, unsigned registers[4]) {
#if defined(__x86_64__) || defined(__i386__)
    return __get_cpuid_count(leaf, subleaf, &registers[0], &registers[1], &registers[2], &registers[3]);
#else
    (void)leaf; (void)subleaf; registers[0] = registers[1] = registers[2] = registers[3] = 0;
    return 0;
#endif
}

/// XCR0, the register states the OS saves (AVX needs bits 1-2, AVX-512 also 5-7). Call only when CPUID.1:ECX
/// bit 27 (OSXSAVE) is set: XGETBV is an illegal instruction otherwise.
static inline unsigned long long usv_xgetbv0(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((unsigned long long)high << 32) | low;
#else
    return 0;
#endif
}

/// dladdr(3) under a name of our own: glibc declares it (and Dl_info, whose layout this repeats) only under
/// _GNU_SOURCE, which Swift's Glibc module is not built with.
typedef struct { const char *dli_fname; void *dli_fbase; const char *dli_sname; void *dli_saddr; } usv_dl_info;
extern int usv_dladdr(const void *address, usv_dl_info *info) __asm__("dladdr");

/// The file of the shared object that holds `address` (a symbol from dlsym), or NULL.
static inline const char *usv_shared_object_of(const void *address) {
    usv_dl_info info = {0, 0, 0, 0};
    return usv_dladdr(address, &info) != 0 ? info.dli_fname : 0;
}
