"""Point the site's Celery app at a real broker for one block, as a site with REDIS_URL set runs."""

from contextlib import contextmanager


@contextmanager
def use_broker(url, **conf):
    """Send tasks to `url` (not eager) inside the block; afterwards the app is as it was.

    kombu caches connection and producer pools per broker in module-level groups; a
    pool closed at the end of one block would be handed to the next block that uses
    the same URL ("Acquire on closed pool"), so every pool is reset on the way in and
    out and the app builds fresh ones lazily.
    """
    from kombu import pools

    from config.celery import app

    conf = {"broker_url": url, "result_backend": None, "task_always_eager": False, **conf}
    # Read before anything changes: Celery loads Django's settings lazily, on first access.
    saved = {k: app.conf[k] for k in conf}
    pools.reset()
    app._pool = app.amqp._producer_pool = None
    app.conf.update(conf)
    try:
        yield app
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        pools.reset()
        app._pool = app.amqp._producer_pool = None
        app.conf.update(saved)
