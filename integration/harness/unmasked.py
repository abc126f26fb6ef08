#!/usr/bin/env python3
"""unmasked.py CMD...: run CMD with no signal blocked or ignored.

A test runner's blocked or ignored signals are inherited through fork and exec; busybox udhcpc
and bash never clear them, so without this SIGTERM would not reach a client (no RELEASE) nor a
timed-out harness script (no cleanup of its namespaces).
"""
import os
import signal
import sys

signal.pthread_sigmask(signal.SIG_SETMASK, [])
for s in (signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGALRM, signal.SIGINT):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
