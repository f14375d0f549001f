"""Fault injection for tests/faults: the database, the broker and a worker going away.

The signing certificate fixtures of tests/documents are reused, so documents render here too.
"""

import os
import uuid
from contextlib import contextmanager

import pytest
from django.db import connections

from tests.documents.conftest import _signing_settings, signing_p12  # noqa: F401 - fixtures
from tests.documents.test_worker import worker_database  # noqa: F401 - fixture

REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@contextmanager
def celery_broker(url, *, queue=None):
    """Point the site's Celery app at `url` (not eager) for the block, as a site with REDIS_URL set runs."""
    from tests.celery_utils import use_broker

    with use_broker(url, broker_connection_timeout=2,
                    **({"task_default_queue": queue} if queue else {})) as app:
        yield app


@contextmanager
def database_unreachable(alias="default"):
    """The database server is gone: every new connection fails with a real driver error.

    PostgreSQL: the connection is closed and pointed at a port where nothing listens.
    SQLite: pointed at a file in a folder that does not exist (the in-memory test
    database is kept aside, untouched, and put back afterwards). Needs a
    transactional test: the test's own transaction cannot survive a lost connection.
    """
    conn = connections[alias]
    saved_settings = dict(conn.settings_dict)
    saved_connection = None
    if conn.vendor == "sqlite":
        saved_connection, conn.connection = conn.connection, None
        conn.settings_dict["NAME"] = "/nonexistent-folder-for-fault-test/db.sqlite3"
    else:
        conn.close()
        conn.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        if conn.connection is not None and saved_connection is not None:
            conn.connection.close()
        if conn.vendor != "sqlite":
            conn.close()
        conn.settings_dict.clear()
        conn.settings_dict.update(saved_settings)
        if conn.vendor == "sqlite":
            conn.connection = saved_connection
        conn.needs_rollback = False
        conn.errors_occurred = False


@pytest.fixture
def redis_queue():
    """A Redis queue of this test's own on the test Redis; its messages are removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is needed for this test: {exc}")
    queue = f"faults-test-{uuid.uuid4().hex[:8]}"
    try:
        yield queue
    finally:
        # A killed worker leaves its message in kombu's "unacked" hash (given back after the
        # visibility timeout): remove ours so nothing is redelivered to a queue nobody reads.
        for tag, payload in client.hgetall("unacked").items():
            if queue.encode() in payload:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()
