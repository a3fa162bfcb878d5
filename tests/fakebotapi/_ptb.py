"""Run a PTB Application inside a test's event loop the way ``run_polling`` would."""

from __future__ import annotations

import contextlib
import datetime as dtm
from collections.abc import AsyncIterator, Mapping
from typing import Any

from telegram.ext import Application

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@contextlib.asynccontextmanager
async def running_application(
    app: AnyApplication,
    *,
    webhook: Mapping[str, Any] | None = None,
    poll_timeout: dtm.timedelta = dtm.timedelta(seconds=10),
) -> AsyncIterator[AnyApplication]:
    """Start ``app`` (polling, or ``updater.start_webhook(**webhook)``) and stop it on exit.

    Mirrors ``Application.run_polling``: initialize, ``post_init``, start the updater, start;
    then stop the updater, stop, ``post_stop``, shutdown, ``post_shutdown``. ``run_polling``
    itself cannot be used because it owns the event loop.
    """
    if app.updater is None:
        raise ValueError("app has no updater; build it without .updater(None)")
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        try:
            if webhook is None:
                await app.updater.start_polling(timeout=poll_timeout, poll_interval=0)
            else:
                await app.updater.start_webhook(**webhook)
            await app.start()
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
