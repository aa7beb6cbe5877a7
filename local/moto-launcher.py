"""Runs moto_server, and makes sure it never outlives the Node process that started it.

On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG), even when the
parent itself was SIGKILLed; elsewhere a watcher thread notices the parent is gone.
"""

import os
import signal
import sys
import threading
import time

parent = os.getppid()

try:
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
except Exception:  # not Linux: the watcher below is enough
    pass


def watch_parent() -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


threading.Thread(target=watch_parent, daemon=True).start()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

from moto.server import main  # noqa: E402  (imported after the guards are in place)

main(sys.argv[1:])
