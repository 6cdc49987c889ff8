/// Reference twins of every fast kernel: the definition written as plainly as possible — plain
/// loops, Double arithmetic, no blocking, no threads, no BLAS — for tests to compare the fast
/// kernels against (llm.c's `_naive` functions, tinygrad's oracle tests).
///
/// Each twin comes in two forms: on ``ReferenceTensor`` (Double in, Double out, for finite
/// differences) and on ``Tensor`` with the fast kernel's labels (float32 in, Double inside, one
/// rounding to float32 at the end), so a test can swap one for the other. The twins never touch
/// ``KernelCounters``.
package enum NaiveKernels {}
