/* lw-target-clones.h: LW_AVX2_CLONE builds a function for AVX2 and for
 * baseline x86-64, and the dynamic loader picks one (an ifunc). Not under
 * ThreadSanitizer: it instruments the ifunc resolver, which the loader
 * runs before the TSan runtime is up, and every program crashes at load;
 * TSan builds keep the baseline copy alone. */
#pragma once

#if defined(__SANITIZE_THREAD__)
#define LW_BUILD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LW_BUILD_TSAN 1
#endif
#endif

#if defined(__x86_64__) && defined(__has_attribute) && !defined(LW_BUILD_TSAN)
#if __has_attribute (target_clones)
#define LW_AVX2_CLONE __attribute__ ((target_clones ("avx2", "default")))
#endif
#endif
#ifndef LW_AVX2_CLONE
#define LW_AVX2_CLONE
#endif
