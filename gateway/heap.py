"""Handing the C heap's free memory back to the operating system.

The first sync parses every object of every cluster: hundreds of megabytes of JSON
pages, parsed manifests and Redis commands, freed as soon as each is used. glibc's
malloc keeps what was freed for the process to reuse, so the resident size stays
near the sync's peak (at 100,000 pods about twice what the mirrors hold) though the
gateway never needs that much again. ``malloc_trim`` returns the free pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def release_free_memory() -> bool:
    """True if the C library could be asked (glibc); elsewhere there is nothing to do."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
