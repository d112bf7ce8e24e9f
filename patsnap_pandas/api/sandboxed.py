"""A client bound to an in-process sandbox server: what ``PatsnapClient.sandbox()`` starts.

The server and, unless ``cache_dir`` is given, a temporary cache folder (so sandbox answers
never mix with PatSnap's) live as long as the client: closing it, or its garbage collection,
stops the one and removes the other.

Examples
--------
>>> from patsnap_pandas import PatsnapClient
>>> client = start(PatsnapClient, auth="api_key", corpus=None, options={"corpus_size": 60})
>>> len(client.sandbox_server.corpus.designs), client.cache_dir.name.startswith("patsnap-sandbox-cache-")
(60, True)
>>> client.close()
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config
from ..errors import InvalidInputError

if TYPE_CHECKING:
    from .client import PatsnapClient

__all__ = ["start", "CLIENT_OPTIONS"]

#: The options of ``PatsnapClient.sandbox()`` that go to the client; the others go to the server.
CLIENT_OPTIONS = ("cache", "cache_dir", "expire_after", "timeout", "max_retries", "rate_limit",
                  "backoff_factor", "result_max_age", "cache_url", "budget")

def start(cls: type[PatsnapClient], *, auth: str, corpus: str | os.PathLike[str] | Any | None,
          options: dict[str, Any]) -> PatsnapClient:
    """Start a sandbox server and return a ``cls`` client bound to it (see ``PatsnapClient.sandbox``).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> with start(PatsnapClient, auth="token", corpus="generated", options={"latency": 0.01}) as client:
    ...     client.sandbox_server.settings.latency
    0.01
    >>> start(PatsnapClient, auth="password", corpus=None, options={})
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: auth='password' is not valid: allowed 'token' or 'api_key'.
    """
    if auth not in ("token", "api_key"):
        raise InvalidInputError(f"auth={auth!r} is not valid: allowed 'token' or 'api_key'.")
    from ..sandbox.server import start_sandbox  # the server is only needed here

    options = dict(options)
    if not isinstance(corpus, (str, os.PathLike, type(None))):
        options["corpus"] = corpus  # a loaded sandbox Corpus (start_sandbox checks the type)
    else:
        folder = config.sandbox_corpus(corpus)
        if folder is not None and not (folder / "manifest.csv").is_file():
            source = "corpus" if corpus is not None else config.env_name("sandbox_corpus")
            raise InvalidInputError(f"{source}={str(folder)!r} is not valid: no manifest.csv in that folder "
                                    "(a sandbox corpus is a folder of drawings with a manifest.csv, "
                                    "or 'generated')")
        options["corpus"] = folder
    client_options = {name: options.pop(name) for name in CLIENT_OPTIONS if name in options}
    server = start_sandbox(**options)
    temp_dir = None
    try:
        creds = server.credentials
        if client_options.get("cache_dir") is None:
            temp_dir = Path(tempfile.mkdtemp(prefix="patsnap-sandbox-cache-"))
            client_options["cache_dir"] = temp_dir
        credentials: dict[str, Any] = ({"client_id": creds.client_id, "client_secret": creds.client_secret}
                                       if auth == "token" else {"api_key": creds.api_key})
        client = cls(base_url=server.base_url, **credentials, **client_options)
    except BaseException:
        _stop(server, temp_dir)
        raise
    client.sandbox_server = server
    client.cache_is_temporary = temp_dir is not None
    # Also clean up when the client is garbage-collected or the interpreter exits unclosed.
    client._finalizer = weakref.finalize(client, _stop, server, temp_dir)
    return client


def _stop(server: Any, temp_dir: Path | None) -> None:
    server.stop()
    if temp_dir is not None:
        shutil.rmtree(temp_dir, ignore_errors=True)
