/*
 * An LD_PRELOAD library that moves a process's wall clock and nothing else: CLOCK_REALTIME
 * (and its coarse and TAI variants), gettimeofday and time read KIBAN_TEST_WALLCLOCK_OFFSET
 * seconds off (negative: behind). Monotonic and boot-time clocks, and every timer, stay true,
 * as they do on a real machine whose wall clock is wrong.
 *
 * libfaketime cannot stand in for it: it also moves absolute timerfd deadlines on the
 * monotonic clocks, so a process whose clock it sets behind sees every timer fire that much
 * late (its Raft ticks stop).
 *
 * Build: cc -shared -fPIC -O2 -o wallclock-shift.so wallclock-shift.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long offset_seconds(void) {
    static int read_once;
    static long offset;
    if (!read_once) {
        const char *text = getenv("KIBAN_TEST_WALLCLOCK_OFFSET");
        offset = text ? strtol(text, NULL, 10) : 0;
        read_once = 1;
    }
    return offset;
}

static int is_wall_clock(clockid_t id) {
    return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
    static int (*real)(clockid_t, struct timespec *);
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int result = real(id, ts);
    if (result == 0 && is_wall_clock(id)) ts->tv_sec += offset_seconds();
    return result;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    static int (*real)(struct timeval *restrict, void *restrict);
    if (!real) real = (int (*)(struct timeval *restrict, void *restrict))dlsym(RTLD_NEXT, "gettimeofday");
    int result = real(tv, tz);
    if (result == 0) tv->tv_sec += offset_seconds();
    return result;
}

time_t time(time_t *out) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (out) *out = now.tv_sec;
    return now.tv_sec;
}
