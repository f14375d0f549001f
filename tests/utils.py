import pytest
from django.db import connection


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


on_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="needs PostgreSQL row locks; SQLite serialises writers")
