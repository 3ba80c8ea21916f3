"""gunicorn settings that ship with countydash: ``gunicorn -c gunicorn.conf.py app:server``.

Everything else (workers, threads, bind address) stays on the command line; see the README's
sample deployment.

The app is loaded once, in the master (``preload_app``), which also builds the map geometry
and then forks the workers: they share the imported libraries and the geometry page for page
(copy-on-write) instead of each holding its own.
"""

preload_app = True


def when_ready(server):  # type: ignore[no-untyped-def]
    """In the master, before the first fork: build the geometry, close the master's database
    connections (a worker opens its own), freeze what is alive."""
    from dashboard.warm import prepare_master

    seconds = prepare_master(server.app.wsgi())
    server.log.info("countydash master prepared in %.2f s", seconds)


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """In each new worker: the garbage collector back on (off in the master since loading)."""
    from dashboard.warm import after_fork

    after_fork()


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Check the worker's geometry (built in the master) before it accepts its first request."""
    from dashboard.warm import warm_worker

    seconds = warm_worker(worker.wsgi)
    worker.log.info("countydash worker %s warmed in %.2f s", worker.pid, seconds)
