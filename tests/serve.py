"""The application as a live server for tests: `gunicorn tests.serve:app`.

ALLIANCE_TEST_CONFIG (JSON) overrides settings; ALLIANCE_TEST_NOW (ISO 8601 with offset) freezes the
server's clock at that instant.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

from alliance.core import clock
from wsgi import create_app

app = create_app(json.loads(os.environ.get("ALLIANCE_TEST_CONFIG", "{}")))

if os.environ.get("ALLIANCE_TEST_NOW"):
    clock.freeze(datetime.fromisoformat(os.environ["ALLIANCE_TEST_NOW"]))
