"""Security headers on every answer: a Content-Security-Policy that allows no inline script, no framing,
and, under APP_ENV=production, HSTS.

Pages load their scripts from /static only (inline handlers live in static/js/app.js); inline style
attributes stay allowed because colours of programme kinds and stock bars are data. The API docs page
(Swagger UI) gets the same policy: its start-up script is a static file too.
"""

from __future__ import annotations

from flask import Flask

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    production = app.config.get("APP_ENV") == "production"

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        headers.pop("Server", None)
        return response
