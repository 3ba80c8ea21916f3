"""gunicorn settings that ship with countydash: ``gunicorn -c gunicorn.conf.py app:server``.

Everything else (workers, threads, bind address) stays on the command line; see the README's
sample deployment.
"""


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Build the worker's map geometry before it accepts its first request."""
    from dashboard.warm import warm_worker

    seconds = warm_worker(worker.wsgi)
    worker.log.info("countydash worker %s warmed in %.2f s", worker.pid, seconds)
