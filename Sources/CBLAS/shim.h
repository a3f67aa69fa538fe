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
