# Every model module first: some services build their loader options at import time.
import wsgi  # noqa: F401
