import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection

from tests.factories import make_user


@pytest.fixture
def admin_user(db):
    return make_user("admin", "ops_admin", is_staff=True, email="ops_admin@example.gov.cn")


@pytest.fixture
def count_queries():
    """count_queries(fn) -> number of SQL queries fn() ran."""

    def run(fn):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return run

