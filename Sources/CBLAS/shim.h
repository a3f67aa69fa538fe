// OpenBLAS: CBLAS plus the LAPACK routines that libopenblas exports (Fortran calling convention).
#include <cblas.h>

// Cholesky factorisation and solve (LAPACK spotrf/spotrs), exported by libopenblas.
extern void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
extern void spotrs_(const char *uplo, const int *n, const int *nrhs, const float *a, const int *lda,
                    float *b, const int *ldb, int *info);
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
                    double *b, const int *ldb, int *info);

/// Number of threads OpenBLAS uses; wrapped so Swift never touches OpenBLAS's globals directly.
static inline void usv_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int usv_blas_get_threads(void) { return openblas_get_num_threads(); }
