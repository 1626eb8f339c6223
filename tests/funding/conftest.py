"""Every model is imported (through the composition root) before a test module imports a service
whose module-level query options configure the mappers."""

import wsgi  # noqa: F401
