"""Gunicorn's settings for this application (gunicorn reads ./gunicorn.conf.py by itself).

Gunicorn's own limits sit above the application's (alliance/core/http.py: a 4 KiB address, 8 KiB per
header), so a request a little too large gets the application's answer: JSON under /api/v1, a page
elsewhere. Beyond these, gunicorn answers 400 in plain text; the reverse proxy in front should refuse
such requests first (nginx: large_client_header_buffers 4 16k).

Answers carry no `Server` banner: gunicorn writes `Server: gunicorn` itself, below the app, so the
app cannot remove it; this drops that one line from the headers gunicorn writes.
"""

from gunicorn.http import wsgi as _wsgi

limit_request_line = 8190  # gunicorn's maximum
limit_request_field_size = 16384
limit_request_fields = 100


_default_headers = _wsgi.Response.default_headers


def _without_server_banner(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_wsgi.Response.default_headers = _without_server_banner
