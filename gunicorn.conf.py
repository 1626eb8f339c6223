"""Gunicorn reads this file from the working directory: answers carry no `Server` banner.

Gunicorn writes `Server: gunicorn` itself, below the app, so the app cannot remove it; this drops that
one line from the headers gunicorn writes.
"""

from gunicorn.http import wsgi as _wsgi

_default_headers = _wsgi.Response.default_headers


def _without_server_banner(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_wsgi.Response.default_headers = _without_server_banner
