"""Gunicorn's settings for this application (gunicorn reads ./gunicorn.conf.py by itself).

Gunicorn's own limits sit above the application's (alliance/core/http.py: a 4 KiB address, 8 KiB per
header), so a request a little too large gets the application's answer: JSON under /api/v1, a page
elsewhere. Beyond these, gunicorn answers 400 in plain text; the reverse proxy in front should refuse
such requests first (nginx: large_client_header_buffers 4 16k).
"""

limit_request_line = 8190  # gunicorn's maximum
limit_request_field_size = 16384
limit_request_fields = 100
