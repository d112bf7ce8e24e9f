"""pytest plugin: the offline sandbox and clients of it as fixtures, for tests of your own code.

Installed with the package, pytest loads this plugin by itself (entry point
``pytest11``, name ``patsnap``; ``pytest -p no:patsnap`` turns it off). Tests of a
notebook, a pipeline or a scheduled job then ask for a fixture by name:

``patsnap_sandbox``
    A running sandbox (PatSnap's HTTP API on 127.0.0.1), shared by the session's
    tests that ask for the same corpus, with default knobs, a fresh quota count and
    an empty ledger at the start of each test, and reset again after it.
``patsnap_client``
    A :class:`~patsnap_pandas.PatsnapClient` of that sandbox with a cache folder of
    its own (so nothing is cached from another test), closed after the test.
``patsnap_client_factory``
    ``make(sandbox=None, name="cache", auth="token", **options)``: more clients;
    the same ``name`` shares a cache folder, as two processes of one team would.
``patsnap_sandbox_factory``
    ``start(**options)``: a sandbox of the test's own, stopped after the test.
``patsnap_sandboxes``
    The session's :class:`SandboxPool` (for session-scoped fixtures of your own).
``patsnap_redis_server``
    A real ``redis-server`` (Debian's ``redis-server`` package) on a free loopback port,
    started for the session and stopped after it: a :class:`RedisServer`.
``patsnap_redis``
    The URL (``redis://127.0.0.1:<port>/0``) of that server, emptied before each test:
    the shared backend of a team (``PatsnapClient(cache_url=...)``).

Options, from the widest to the narrowest (a narrower one wins):

* the fixtures ``patsnap_sandbox_options`` and ``patsnap_client_options`` (dicts;
  override them in a ``conftest.py`` for a folder or in a test module);
* the markers ``@pytest.mark.patsnap_sandbox(**options)`` and
  ``@pytest.mark.patsnap_client(**options)`` on a test, class or module;
* indirect parametrisation: ``@pytest.mark.parametrize("patsnap_sandbox",
  [{"failure_rate": 0.5}], indirect=True)``.

Sandbox options are the corpus (:data:`CORPUS_OPTIONS`: ``corpus``, ``corpus_size``,
``corpus_seed``, ...; each distinct corpus is one server for the session) and the
fault knobs of :class:`~patsnap_pandas.sandbox.FaultSettings` (``failure_rate``,
``quota``, ``latency``, ``token_lifetime``, ...; set for the one test). Client options
are those of :class:`~patsnap_pandas.PatsnapClient` plus ``auth="token"`` or
``"api_key"``; retries wait :data:`CLIENT_DEFAULTS` ``backoff_factor`` unless given.

Loading the plugin imports the package (as ``import patsnap_pandas`` does) and no
more: a sandbox starts only when a test asks for one. See docs/testing.md.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from ._validate import check_choice
from .errors import InvalidInputError

if TYPE_CHECKING:
    from .api.client import PatsnapClient
    from .sandbox import Sandbox

__all__ = ["CLIENT_DEFAULTS", "CORPUS_OPTIONS", "ClientFactory", "RedisServer", "SandboxPool", "reset_sandbox",
           "wait_until"]

#: Sandbox options that choose what is served: one shared server per distinct set of them.
CORPUS_OPTIONS = ("corpus", "corpus_size", "corpus_seed", "hit_extras", "client_id", "client_secret", "api_key")
#: Client options the fixtures use unless told otherwise: retries after a sandbox fault wait
#: milliseconds, not seconds (the number and kind of retries are the client's own).
CLIENT_DEFAULTS: Mapping[str, Any] = {"backoff_factor": 0.001}


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.01) -> Any:
    """Ask ``condition()`` until it answers something true, for at most ``timeout`` seconds.

    For what a test cannot move with a clock (time-machine): another process or thread,
    a server starting, a key in Redis expiring by Redis's own clock. It returns as soon as
    the condition holds, so a test waits no longer than it must.

    Parameters
    ----------
    condition : callable
        Asked with no argument, first at once, then every ``interval`` seconds.
    timeout : float
        How long to keep asking.
    interval : float
        Seconds between two questions.

    Returns
    -------
    object
        The condition's first true answer, or its last (false) answer when the time ran out:
        ``assert wait_until(...), "what did not happen"``.

    Examples
    --------
    >>> import threading
    >>> done = []
    >>> threading.Timer(0.05, done.append, [1]).start()
    >>> wait_until(lambda: done, timeout=10)
    [1]
    >>> wait_until(lambda: False, timeout=0.05)
    False
    """
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer or time.monotonic() >= deadline:
            return answer
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def _knob_names() -> tuple[str, ...]:
    from .sandbox import FaultSettings

    return tuple(field.name for field in dataclasses.fields(FaultSettings))


def _split_sandbox_options(options: Mapping[str, Any], where: str) -> tuple[dict, dict]:
    """(corpus options, fault knobs) of ``options``; an unknown name raises, naming what is allowed."""
    knobs = _knob_names()
    unknown = sorted(set(options) - set(CORPUS_OPTIONS) - set(knobs))
    if unknown:
        raise InvalidInputError(f"{where}: {', '.join(map(repr, unknown))} is not a sandbox option. Allowed: the corpus "
                         f"options {', '.join(CORPUS_OPTIONS)}; the knobs {', '.join(knobs)}.")
    corpus = {k: v for k, v in options.items() if k in CORPUS_OPTIONS}
    return corpus, {k: v for k, v in options.items() if k in knobs}


def reset_sandbox(server: Sandbox, **knobs: Any) -> Sandbox:
    """Default knobs (or ``knobs``), reseeded fault generators, a fresh quota count, an empty ledger.

    Parameters
    ----------
    server : Sandbox
        A running sandbox.
    **knobs
        Fault and lifetime settings to set instead of the defaults (names of
        :class:`~patsnap_pandas.sandbox.FaultSettings`).

    Returns
    -------
    Sandbox
        ``server``, for chaining.

    Examples
    --------
    >>> from patsnap_pandas.sandbox import start_sandbox
    >>> server = start_sandbox(corpus_size=60, failure_rate=1.0)
    >>> reset_sandbox(server, quota=5).settings.failure_rate, server.settings.quota, len(server.ledger)
    (0.0, 5, 0)
    >>> server.stop()
    """
    from .sandbox import FaultSettings

    server.configure(**{**dataclasses.asdict(FaultSettings()), **knobs})
    server.ledger.clear()
    return server


def _option_key(value: Any) -> Any:
    if isinstance(value, (str, os.PathLike)):
        return str(Path(value).expanduser().resolve())
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return ("object", id(value))  # a loaded Corpus: the same object, the same server


class SandboxPool:
    """The running sandboxes of a test session: one per corpus, started on first use.

    ``shared(**corpus_options)`` returns the session's server for that corpus (tests
    reset its knobs with :func:`reset_sandbox`); ``start(**options)`` starts one of the
    caller's own. ``close()`` stops them all. The ``patsnap_sandboxes`` fixture is the
    pool of the session.

    Examples
    --------
    >>> pool = SandboxPool()
    >>> server = pool.shared(corpus_size=60)
    >>> pool.shared(corpus_size=60) is server, len(server.corpus.designs)
    (True, 60)
    >>> own = pool.start(corpus_size=60, quota=0)
    >>> own is server, own.settings.quota
    (False, 0)
    >>> pool.close()
    >>> server
    <Sandbox http://127.0.0.1:... stopped>
    """

    def __init__(self) -> None:
        self._shared: dict[tuple, Sandbox] = {}
        self._started: list[Sandbox] = []

    def shared(self, **corpus_options: Any) -> Sandbox:
        """The pool's server of this corpus (see :data:`CORPUS_OPTIONS`), started if need be."""
        corpus, knobs = _split_sandbox_options(corpus_options, "SandboxPool.shared()")
        if knobs:
            raise InvalidInputError(f"SandboxPool.shared(): {', '.join(map(repr, sorted(knobs)))} is a knob, not a corpus "
                             "option: a shared sandbox is configured per test (reset_sandbox(server, **knobs)).")
        key = tuple(sorted((name, _option_key(value)) for name, value in corpus.items()))
        if key not in self._shared:
            from .sandbox import start_sandbox

            self._shared[key] = start_sandbox(**corpus)
        return self._shared[key]

    def start(self, **options: Any) -> Sandbox:
        """A new sandbox of the caller's own (any ``start_sandbox`` option), stopped by :meth:`close`."""
        from .sandbox import start_sandbox

        server = start_sandbox(**options)
        self._started.append(server)
        return server

    def close(self) -> None:
        """Stop every sandbox of the pool."""
        for server in [*self._shared.values(), *self._started]:
            server.stop()
        self._shared.clear()
        self._started.clear()


class ClientFactory:
    """Makes clients of sandboxes, each caching in ``cache_root / name``; ``close()`` closes them all.

    Parameters
    ----------
    cache_root : str or Path
        Where the clients' cache folders go.
    sandbox : Sandbox or callable, optional
        The server of clients made without one (a callable is asked on first use).
    **defaults
        Client options for the options a call does not give (:data:`CLIENT_DEFAULTS` below them).

    Examples
    --------
    >>> from patsnap_pandas.sandbox import start_sandbox
    >>> server = start_sandbox(corpus_size=60)
    >>> with ClientFactory("caches", server, timeout=10) as make:
    ...     client, same_cache = make(), make(auth="api_key")
    ...     print(client.base_url == server.base_url, client.cache_dir == same_cache.cache_dir)
    True True
    >>> "closed" in repr(client), "closed" in repr(same_cache)
    (True, True)
    >>> server.stop()
    """

    def __init__(self, cache_root: str | os.PathLike, sandbox: Sandbox | Callable[[], Sandbox] | None = None,
                 **defaults: Any) -> None:
        self.cache_root = Path(cache_root)
        self._sandbox = sandbox
        self.defaults = {**CLIENT_DEFAULTS, **defaults}
        self.made: list[PatsnapClient] = []

    def __call__(self, sandbox: Sandbox | None = None, name: str = "cache", auth: str = "token",
                 **options: Any) -> PatsnapClient:
        """A client of ``sandbox`` (default: the factory's) with the client id + secret
        (``auth="token"``) or the sk- API key (``auth="api_key"``), caching in ``cache_root / name``."""
        from .api.client import PatsnapClient

        if sandbox is None:
            if self._sandbox is None:
                raise InvalidInputError("sandbox=None is not valid here: this factory has no sandbox of its own; "
                                 "pass one, e.g. make(server).")
            sandbox = self._sandbox() if callable(self._sandbox) else self._sandbox
        creds = sandbox.credentials
        check_choice(auth, "auth", ("token", "api_key"), what="way to authenticate",
                     shown="'token' (client id + secret) or 'api_key'")
        if auth == "token":
            options.setdefault("client_id", creds.client_id)
            options.setdefault("client_secret", creds.client_secret)
        else:
            options.setdefault("api_key", creds.api_key)
        options.setdefault("cache_dir", self.cache_root / name)
        client = PatsnapClient(base_url=sandbox.base_url, **{**self.defaults, **options})
        self.made.append(client)
        return client

    def close(self) -> None:
        """Close every client made."""
        for client in self.made:
            client.close()

    def __enter__(self) -> ClientFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RedisServer:
    """A real ``redis-server`` on a free port of 127.0.0.1, without persistence; ``stop()`` ends it.

    Parameters
    ----------
    executable : str
        The server program (default: ``redis-server`` on the PATH; Debian's package
        ``redis-server``).
    password : str, optional
        Require this password (``requirepass``); :attr:`url` then carries it
        (``redis://:<password>@127.0.0.1:<port>/0``), as a team's URL would.

    Examples
    --------
    >>> server = RedisServer()
    >>> server.url.startswith("redis://127.0.0.1:"), server.command("PING")
    (True, 'PONG')
    >>> server.stop()
    """

    def __init__(self, executable: str = "redis-server", *, password: str | None = None) -> None:
        self.password = password
        program = shutil.which(executable)
        if program is None:
            raise RuntimeError(f"{executable} is not installed: install Debian's redis-server package "
                               "(apt-get install redis-server) to run the shared-backend tests.")
        self._program = program
        self._dir = tempfile.mkdtemp(prefix="patsnap-redis-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._start()

    def _start(self) -> None:
        self._process = subprocess.Popen(
            [self._program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self._dir, "--databases", "16", "--loglevel", "warning",
             *(["--requirepass", self.password] if self.password else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait_until(self._started, timeout=20, interval=0.02) != "ready":
            error = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}: {error.strip()}")

    def _started(self) -> str:
        """"ready" once the server answers PING, "exited" if it stopped, else "" (not yet)."""
        try:
            if self.command("PING") == "PONG":
                return "ready"
        except OSError:
            pass
        return "exited" if self._process.poll() is not None else ""

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0`` (``redis://:<password>@...`` with a password)."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def command(self, *words: str) -> str:
        """Send one inline command (no redis-py needed); the first line of the answer, without its type mark."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            reader = conn.makefile("rb")
            if self.password:
                conn.sendall(f"AUTH {self.password}\r\n".encode())
                reader.readline()
            conn.sendall((" ".join(words) + "\r\n").encode())
            answer = reader.readline().decode().rstrip("\r\n")
        if answer.startswith("-"):
            raise RuntimeError(f"redis-server answered {words[0]} with {answer[1:]}")
        return answer[1:]

    def restart(self) -> None:
        """Stop the server and start it again on the same port: empty, as a server without persistence.

        Examples
        --------
        >>> server = RedisServer()
        >>> server.command("SET", "k", "v")
        'OK'
        >>> server.restart()
        >>> server.command("EXISTS", "k")
        '0'
        >>> server.stop()
        """
        self._end_process()
        self._start()

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self._end_process()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _end_process(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()


# --- the plugin ----------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "patsnap_sandbox(**options): corpus options and fault knobs of the "
                                       "patsnap_sandbox fixture (patsnap_pandas.testing)")
    config.addinivalue_line("markers", "patsnap_client(**options): PatsnapClient options of the "
                                       "patsnap_client fixture, auth='token' or 'api_key' (patsnap_pandas.testing)")


def _options(request: pytest.FixtureRequest, defaults: Mapping[str, Any], marker: str) -> dict[str, Any]:
    """``defaults``, then the markers from the module down to the test, then an indirect parameter."""
    options = dict(defaults)
    for mark in reversed(list(request.node.iter_markers(marker))):
        if mark.args:
            raise InvalidInputError(f"@pytest.mark.{marker}{mark.args!r}: options are given by name, "
                             f"e.g. @pytest.mark.{marker}(corpus_size=60)")
        options.update(mark.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, Mapping):
            raise InvalidInputError(f"{marker}: the indirect parameter {param!r} is not valid: expected a dict of options")
        options.update(param)
    return options


@pytest.fixture
def patsnap_sandbox_options() -> dict[str, Any]:
    """Default options of ``patsnap_sandbox`` (override in a conftest.py): none, the generated corpus."""
    return {}


@pytest.fixture
def patsnap_client_options() -> dict[str, Any]:
    """Default options of ``patsnap_client`` (override in a conftest.py): none beyond CLIENT_DEFAULTS."""
    return {}


@pytest.fixture(scope="session")
def patsnap_sandboxes() -> Iterator[SandboxPool]:
    """The session's sandboxes (:class:`SandboxPool`), stopped at the end of the session."""
    pool = SandboxPool()
    yield pool
    pool.close()


@pytest.fixture
def patsnap_sandbox(request: pytest.FixtureRequest, patsnap_sandboxes: SandboxPool,
                    patsnap_sandbox_options: Mapping[str, Any]) -> Iterator[Sandbox]:
    """The session's sandbox of the test's corpus, set to the test's knobs, with an empty ledger."""
    options = _options(request, patsnap_sandbox_options, "patsnap_sandbox")
    corpus, knobs = _split_sandbox_options(options, "patsnap_sandbox")
    server = patsnap_sandboxes.shared(**corpus)
    reset_sandbox(server, **knobs)
    try:
        yield server
    finally:
        reset_sandbox(server)


@pytest.fixture
def patsnap_client_factory(request: pytest.FixtureRequest, tmp_path: Path,
                           patsnap_client_options: Mapping[str, Any]) -> Iterator[ClientFactory]:
    """``make(sandbox=None, name="cache", auth="token", **options)``; sandbox None: ``patsnap_sandbox``."""
    with ClientFactory(tmp_path / "patsnap-cache", lambda: request.getfixturevalue("patsnap_sandbox"),
                       **patsnap_client_options) as make:
        yield make


@pytest.fixture
def patsnap_client(request: pytest.FixtureRequest, patsnap_sandbox: Sandbox,
                   patsnap_client_factory: ClientFactory) -> PatsnapClient:
    """A client of ``patsnap_sandbox`` with a cache folder of this test, closed after it."""
    return patsnap_client_factory(patsnap_sandbox, **_options(request, {}, "patsnap_client"))


@pytest.fixture
def patsnap_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """``start(**options)``: sandboxes of the test's own (any ``start_sandbox`` option), stopped after it."""
    pool = SandboxPool()
    try:
        yield pool.start
    finally:
        pool.close()


@pytest.fixture(scope="session")
def patsnap_redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port for the session (Debian's ``redis-server``)."""
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def patsnap_redis(patsnap_redis_server: RedisServer) -> str:
    """The URL of the session's redis-server, emptied (FLUSHALL) before the test."""
    patsnap_redis_server.command("FLUSHALL")
    return patsnap_redis_server.url
