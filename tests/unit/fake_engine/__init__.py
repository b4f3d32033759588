"""An in-memory ``EngineFacade`` for API tests, and the helpers to serve it on a Unix socket.

python -m tests.unit.fake_engine /tmp/dy-api-test.sock   # then: docker -H unix://...
"""

from .engine import FakeEngine
from .program import FakeSession
from .serving import Served, api_test, hijack_request, raw_request, read_frames, serving

__all__ = [
    "FakeEngine",
    "FakeSession",
    "Served",
    "api_test",
    "hijack_request",
    "raw_request",
    "read_frames",
    "serving",
]
