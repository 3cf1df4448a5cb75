"""Background work on Huey: imports, e-mail, and every later job (exports, digests).

Work that outlives a request, or that must not make a request wait or fail (an SMTP relay
that is down), runs in a separate `coalition worker` process that takes tasks from a queue:

- the embedded default keeps the queue in SQLite, ``instance/tasks.sqlite3`` (SqliteHuey);
- with ``REDIS_URL`` set the queue is in Redis (RedisHuey), for several web and worker hosts;
- tests set ``TASKS_IMMEDIATE`` (on whenever ``TESTING`` is): a task runs inside ``delay()``.

Domain modules declare their tasks with :func:`background` (or :func:`periodic`) at import
time; :func:`init_app` builds the app's Huey instance from its config and registers every
declared task on it, wrapped so that each run has an application context and a fresh database
session. Callers enqueue with ``task.delay(*args)``; arguments must be plain values (ids,
strings), never ORM objects, since the worker reads them from the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Result

__all__ = ["BackgroundTask", "background", "huey_of", "init_app", "periodic"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class BackgroundTask:
    """A declared task: the function, its retry policy, and its name on the queue."""

    fn: Callable[..., Any]
    name: str
    retries: int = 0
    retry_delay: int = 0  # seconds before a retry
    context: bool = False  # the function takes `task=` (Huey's Task: id, retries left)
    schedule: dict[str, str] | None = None  # crontab fields of a periodic task

    def delay(self, *args: Any, **kwargs: Any) -> Result | None:
        """Enqueue a run with these (plain) arguments; in immediate mode it runs now."""
        registered = current_app.extensions["coalition.tasks"][self.name]
        return registered(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run now, in this process (the CLI does for an import it waits for)."""
        return self.fn(*args, **kwargs)


_declared: dict[str, BackgroundTask] = {}


def background(name: str, retries: int = 0, retry_delay: int = 0,
               context: bool = False) -> Callable[[Callable[..., Any]], BackgroundTask]:
    """Declare a background task. `retries` more attempts follow a failure (an exception),
    `retry_delay` seconds apart; with `context`, the function is passed `task=` so that it
    can tell its last attempt (``task.retries == 0``) from one that will be retried."""

    def declare(fn: Callable[..., Any]) -> BackgroundTask:
        task = BackgroundTask(fn, name, retries, retry_delay, context)
        _declared[name] = task
        return task

    return declare


def periodic(name: str, **schedule: str) -> Callable[[Callable[..., Any]], BackgroundTask]:
    """Declare a task the worker runs on a schedule (crontab fields: minute="*/15", ...)."""

    def declare(fn: Callable[..., Any]) -> BackgroundTask:
        task = BackgroundTask(fn, name, schedule=schedule)
        _declared[name] = task
        return task

    return declare


def make_huey(config: dict[str, Any], instance_path: str) -> Huey:
    """The queue the config names: immediate (tests), Redis, or SQLite in the instance folder."""
    name = config.get("TASKS_QUEUE_NAME") or "coalition"
    if config.get("TASKS_IMMEDIATE"):
        return MemoryHuey(name, immediate=True)
    redis_url = config.get("TASKS_REDIS_URL")
    if redis_url:
        return RedisHuey(name, url=redis_url)
    path = config.get("TASKS_SQLITE_PATH") or str(Path(instance_path) / "tasks.sqlite3")
    # The queue is its own file: the task table never competes with the application's writes.
    return SqliteHuey(name, filename=path, timeout=30)


def _in_app_context(app: Flask, task: BackgroundTask) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        from coalition.extensions import db

        with app.app_context():
            try:
                return task.fn(*args, **kwargs)
            finally:
                db.session.remove()

    run.__name__ = task.name
    run.__qualname__ = task.name
    return run


def init_app(app: Flask) -> Huey:
    """Build the app's queue and register every declared task on it."""
    # The modules that declare tasks; importing them fills _declared.
    from coalition.accounts import mail  # noqa: F401
    from coalition.dashboards import jobs as dashboard_jobs  # noqa: F401
    from coalition.recommendations import jobs  # noqa: F401

    huey = make_huey(app.config, app.instance_path)
    registered: dict[str, Any] = {}
    for name, task in _declared.items():
        wrapped = _in_app_context(app, task)
        if task.schedule is not None:
            registered[name] = huey.periodic_task(crontab(**task.schedule), name=name)(wrapped)
        else:
            # Eager (test) runs retry at once: a delayed retry would wait for a worker.
            delay = 0 if huey.immediate else task.retry_delay
            registered[name] = huey.task(retries=task.retries, retry_delay=delay,
                                         context=task.context, name=name)(wrapped)
    app.extensions["huey"] = huey
    app.extensions["coalition.tasks"] = registered
    return huey


def huey_of(app: Flask) -> Huey:
    """The app's Huey instance (the worker command and tests use it)."""
    return app.extensions["huey"]
