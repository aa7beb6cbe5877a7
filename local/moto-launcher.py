"""Runs moto_server, and makes sure it never outlives the Node process that started it.

On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG), even when the
parent itself was SIGKILLed; elsewhere a watcher thread notices the parent is gone.

moto serves each request on its own thread, and its DynamoDB backend checks a
ConditionExpression and then writes without a lock: two concurrent conditional updates can both
succeed, which DynamoDB never allows. DynamoDB requests are therefore handled one at a time
(other services, SQS long polling included, stay concurrent).
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

from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.server import main  # noqa: E402  (imported after the guards are in place)

dynamodb_lock = threading.Lock()
dispatch = DomainDispatcherApplication.__call__


def serialized_dynamodb(self, environ, start_response):
    if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        return dispatch(self, environ, start_response)
    with dynamodb_lock:
        # Materialize the body inside the lock: the write happens while it is produced.
        return list(dispatch(self, environ, start_response))


DomainDispatcherApplication.__call__ = serialized_dynamodb

main(sys.argv[1:])
