// e2ee/detail/chrono.hpp — std::chrono for the protocol headers' timestamps
// (durations, system_clock, sys_seconds), without what they do not use.
//
// In C++20 mode, libstdc++ 12's <chrono> also includes <sstream> (iostreams
// and locales) for the calendar and time-zone types' formatting: about 0.3 s
// of CPU per translation unit with g++ 12 and clang 14 at -O2, a sixth of what
// including <e2ee/e2ee.hpp> may cost (issue 8). Everything e2ee uses is in its
// internal <bits/chrono.h>, so with that library (the version checked) this
// includes only that; any other standard library gets <chrono>. Code that
// uses more of std::chrono includes <chrono> itself, as it should anyway.
#pragma once

#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE == 12 && defined(__has_include)
#if __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#define E2EE_CHRONO_INCLUDED 1
#endif
#endif
#ifndef E2EE_CHRONO_INCLUDED
#include <chrono>
#endif
#undef E2EE_CHRONO_INCLUDED
