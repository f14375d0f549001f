import os
import threading

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class EmbeddedTask(Task):
    """Without a broker (the embedded default) tasks run in-process; in a thread, so a request
    that queues a PDF returns at once as it would with real workers. Tests run them inline."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        from django.conf import settings

        if not (self.app.conf.task_always_eager and getattr(settings, "CELERY_EAGER_IN_THREAD", False)):
            return super().apply_async(args, kwargs, task_id=task_id, **options)
        from celery.utils import uuid
        from django.db import connections

        task_id = task_id or uuid()

        def run():
            try:
                self.apply(args, kwargs, task_id=task_id, **options)
            finally:
                connections.close_all()

        threading.Thread(target=run, name=f"task-{self.name}").start()  # not daemon: commands wait for it
        return self.AsyncResult(task_id)


app = Celery("pilotdecl", task_cls=EmbeddedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
