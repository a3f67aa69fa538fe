// FFTW3 in single (fftwf_) and double (fftw_) precision. The planner is not thread-safe:
// Swift code serialises plan creation behind one lock (see USVSignal).
#include <fftw3.h>
