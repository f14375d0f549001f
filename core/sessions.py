"""Sessions in the database, read through Redis (Django's cached_db), surviving a Redis outage.

Every signed-in request reads its session; from Redis that is a fraction of a database query. The
database stays the record, so a Redis restart (it keeps nothing on disk) signs nobody out, and a Redis
outage falls back to the database instead of failing every page.
"""

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            data = None
        if data is not None:
            return data
        s = self._get_session_from_db()
        if not s:
            return {}
        data = self.decode(s.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=s.expire_date))
        except Exception:
            logger.warning("session cache unavailable; read from the database")
        return data

    def delete(self, session_key=None):
        key = session_key or self.session_key
        super(CachedDBStore, self).delete(session_key)
        if key:
            try:
                self._cache.delete(self.cache_key_prefix + key)
            except Exception:
                logger.exception("could not drop session from the cache")
