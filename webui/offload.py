"""Run CPU-bound work (password hashing) off the gevent loop when there is one."""

from __future__ import annotations


def offload(fn, *args):
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return fn(*args)
    if not monkey.is_module_patched("threading"):
        return fn(*args)
    return get_hub().threadpool.apply(fn, args)
