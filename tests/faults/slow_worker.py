"""A real Celery worker whose PDF layout takes minutes, for the test that kills a worker mid-render.

Run as `python -m tests.faults.slow_worker SECONDS worker ARGS...`: the arguments after SECONDS go to
Celery as for `celery -A config`. Only `documents.rendering.render_pdf_bytes` is slowed, after the
document is marked "rendering"; the pipeline around it (state, audit, storing) is the real one, so the
test kills the worker at the point a crash in a real render would.
"""

import sys
import time

import django

from config import celery_app


def main(seconds, celery_args):
    django.setup()
    from documents import rendering  # after setup: its models need the app registry

    real = rendering.render_pdf_bytes

    def slow_render_pdf_bytes(doc):
        time.sleep(seconds)
        return real(doc)

    rendering.render_pdf_bytes = slow_render_pdf_bytes
    celery_app.worker_main(celery_args)


if __name__ == "__main__":
    main(float(sys.argv[1]), sys.argv[2:])
