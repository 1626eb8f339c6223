"""Flask extensions, created unbound; the factory binds them to an app."""

from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from alliance.core import api as api_conventions
from alliance.core.ratelimit import AttemptLimiter

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class JsonErrorApi(Api):
    """flask-smorest without its app-wide error handler: errors are wired in core.http.

    Created per application by the factory (it keeps per-app state: the OpenAPI document), which
    follows the conventions of `alliance.core.api` (operationIds, one error shape, X-Pagination).
    """

    ERROR_SCHEMA = api_conventions.ApiErrorSchema

    def _register_error_handlers(self):
        return None

    def _init_spec(self, *, extra_plugins=None, **options):
        options.setdefault("servers", [{"url": "/", "description": "This server"}])
        super()._init_spec(
            extra_plugins=[*(extra_plugins or ()), api_conventions.ApiConventions()], **options
        )
        api_conventions.install(self)

    def _register_pagination_header(self):
        self.spec.components.header("PAGINATION", api_conventions.pagination_header(), lazy=True)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
attempts = AttemptLimiter()
