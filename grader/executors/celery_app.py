"""The Celery app: broker settings for at-least-once delivery, and nothing else.

As Celery's own layout advises, the app module never imports its tasks: the
client sends jobs by name (:data:`.jobspec.TASK_NAME`) and ``grader worker``
registers the task on the app it makes (:func:`.worker.run`).
"""

from __future__ import annotations

from typing import Any

from .jobspec import QUEUE, RESTORE_INTERVAL, VISIBILITY_TIMEOUT


def make_app(broker_url: str) -> Any:
    """A Celery app for ``broker_url`` with at-least-once settings (the worker registers its task)."""
    from celery import Celery

    app = Celery("flask-grader", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged only once the result is stored
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results live under their content key, not in Celery's backend
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a Redis restart is waited out
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "unacked_restore_interval": RESTORE_INTERVAL,
            "unacked_restore_throttle": 1,
        },
    )
    return app
