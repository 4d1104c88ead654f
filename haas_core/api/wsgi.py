"""WSGI entry point ``haas_core.api.wsgi:application`` (gunicorn, mod_wsgi).

Reads the configuration named by ``$HAAS_CONFIG`` (or the search path) on the
first request, so importing this module has no side effects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from haas_core.api.app import setup_app
from haas_core.config import load_config
from haas_core.log import configure_logging
from haas_core.services import build_services

_lock = threading.Lock()
_app: Callable[..., Iterable[bytes]] | None = None


def make_application(config_file: str | None = None) -> Callable[..., Iterable[bytes]]:
    conf = load_config(config_file)
    configure_logging(conf.log_level)
    return setup_app(build_services(conf))


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = make_application()
    return _app(environ, start_response)
