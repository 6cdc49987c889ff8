// CLONES: one copy of a kernel per instruction-set level, chosen when the library loads:
// AVX-512, AVX2 + FMA (clang's "arch=haswell"; a string "avx2,fma" would be two clones, one
// without FMA and one without AVX2), and baseline x86-64.
//
// target_clones dispatches through ifunc resolvers, which the dynamic loader runs before any
// sanitizer runtime is initialised; ThreadSanitizer (and coverage instrumentation for fuzzing)
// instrument them and crash at load time. Those builds (tests only) get the baseline code.
#ifndef FT_TARGET_CLONES_H
#define FT_TARGET_CLONES_H

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__x86_64__) && defined(__linux__) && !__has_feature(thread_sanitizer) && \
    !__has_feature(memory_sanitizer) && !__has_feature(coverage_sanitizer)
#define CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define CLONES
#endif

#endif
