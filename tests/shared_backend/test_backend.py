"""RedisBackend: connecting, the redacted URL, the registry, info/clear, and failures that name the URL.

Every test talks to a real redis-server (Debian's redis-server, started by the
package's pytest plugin or by the test itself); nothing is faked.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import textwrap
import warnings

import pytest

from patsnap_pandas import CacheError, InvalidInputError, MissingExtraError
from patsnap_pandas.errors import CacheUnavailableError
from patsnap_pandas.store.redis_backend import RedisBackend, shown_url
from patsnap_pandas.store.redis_thumbnails import THUMBNAIL_MAX_BYTES

PASSWORD = "Tr0ub4dor-and-3-horses"


def test_connects_pings_and_names_its_parts(backend, patsnap_redis):
    assert backend.shown_url == patsnap_redis
    assert backend.namespace == "patsnap"
    assert backend.thumbnail_max_bytes == THUMBNAIL_MAX_BYTES == 512 * 2**20
    assert backend.connection.ping() is True
    assert backend.key("upload", "ab") == "patsnap:upload:ab"
    assert repr(backend) == f"RedisBackend(url={patsnap_redis!r}, namespace='patsnap')"


def test_an_unreachable_server_names_the_url_and_what_to_check(own_redis):
    server = own_redis()
    url = server.url
    server.stop()
    with pytest.raises(CacheUnavailableError) as info:
        RedisBackend(url)
    text = str(info.value)
    assert url in text and "ConnectionError" in text and "Check that the Redis server is running" in text
    assert isinstance(info.value, CacheError) and info.value.path == url
    assert "Traceback" not in text and info.value.__cause__ is None and info.value.__suppress_context__


def test_a_password_never_appears_in_messages_reprs_or_logs(own_redis, caplog):
    server = own_redis(password=PASSWORD)
    assert PASSWORD in server.url
    backend = RedisBackend(server.url)
    redacted = server.url.replace(f":{PASSWORD}@", "***@")
    assert backend.shown_url == redacted and backend.connection.ping()
    shown = [repr(backend), repr(backend.connection), repr(backend.upload_memo()), repr(backend.http_cache()),
             repr(backend.thumbnail_store()), repr(backend.rate_limiter(5)), str(backend.info())]
    assert all(PASSWORD not in text for text in shown)
    # A wrong password, and a server that went away: the messages name the redacted URL only.
    wrong = server.url.replace(PASSWORD, PASSWORD + "-wrong")
    with pytest.raises(CacheUnavailableError) as refused:
        RedisBackend(wrong)
    assert "***@127.0.0.1" in str(refused.value) and PASSWORD not in str(refused.value)
    assert "AuthenticationError" in str(refused.value) or "ResponseError" in str(refused.value)
    server.stop()
    with pytest.raises(CacheUnavailableError) as gone:
        backend.upload_memo().get("k")
    with caplog.at_level(logging.DEBUG):   # the backend registered the password with the log filter
        logging.getLogger("urllib3.connectionpool").warning("connecting to %s", server.url)
    assert "connecting to redis://" in caplog.text
    texts = [str(gone.value), repr(gone.value), str(pickle.loads(pickle.dumps(gone.value))), caplog.text]
    assert redacted in texts[0]
    assert all(PASSWORD not in text for text in texts)


def test_shown_url_masks_user_password_and_query_secrets():
    assert shown_url("redis://user:pw-1234@cache.example:6379/3") == "redis://***@cache.example:6379/3"
    assert shown_url("redis://:pw-1234@cache.example") == "redis://***@cache.example"
    assert (shown_url("unix:///run/redis.sock?db=2&password=pw-1234")
            == "unix:///run/redis.sock?db=2&password=***")
    assert shown_url("redis://cache.example:6379/0") == "redis://cache.example:6379/0"


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/0", "not a url", ""])
def test_a_url_that_is_not_redis_is_refused_by_name(url):
    with pytest.raises(InvalidInputError) as info:
        RedisBackend(url)
    assert "url=" in str(info.value)


def test_a_bad_url_with_a_password_is_refused_without_it():
    with pytest.raises(InvalidInputError) as info:
        RedisBackend(f"http://:{PASSWORD}@127.0.0.1:6379/0")
    assert PASSWORD not in str(info.value) and "***@127.0.0.1" in str(info.value)


@pytest.mark.parametrize(("option", "value"), [("namespace", ""), ("namespace", "a*b"), ("namespace", 3),
                                               ("thumbnail_max_bytes", 0), ("thumbnail_max_bytes", "1GB")])
def test_bad_options_are_refused_before_connecting(option, value):
    with pytest.raises(InvalidInputError) as info:
        RedisBackend("redis://127.0.0.1:1/0", **{option: value})   # port 1: never reached
    assert f"{option}=" in str(info.value)


def test_lookup_finds_the_live_backend_by_its_shown_url(patsnap_redis):
    assert RedisBackend.lookup(patsnap_redis) is None
    first = RedisBackend(patsnap_redis)
    second = RedisBackend(patsnap_redis, namespace="team-b")
    assert RedisBackend.lookup(patsnap_redis) is second
    assert RedisBackend.lookup(patsnap_redis, namespace="patsnap") is first
    assert RedisBackend.lookup(patsnap_redis, namespace="team-c") is None
    second.close()
    assert RedisBackend.lookup(patsnap_redis) is first
    first.close()
    assert RedisBackend.lookup(patsnap_redis) is None


def test_lookup_forgets_a_backend_nobody_holds(patsnap_redis):
    made = RedisBackend(patsnap_redis)
    del made
    import gc
    gc.collect()
    assert RedisBackend.lookup(patsnap_redis) is None


def test_info_and_clear_cover_answers_uploads_and_thumbnails_but_not_locks_or_rate(backend, patsnap_redis):
    from patsnap_pandas import samples
    backend.upload_memo().put("sha-1", "https://img.example/q.png", 0.0, 4e9)
    store = backend.thumbnail_store(size=64)
    png = store.put("p1", "https://img.example/p1.png", samples.image("armchair").read_bytes())
    backend.connection.set(backend.key("http", "some-answer"), b"{}")
    backend.rate_limiter(50).wait()
    other = RedisBackend(patsnap_redis, namespace="other-team")
    other.upload_memo().put("sha-1", "https://img.example/q.png", 0.0, 4e9)
    with backend.single_flight().hold("in-flight"):
        info = backend.info()
        assert info == {"url": patsnap_redis, "namespace": "patsnap", "http_responses": 1, "uploads": 1,
                        "thumbnails": 1, "thumbnail_bytes": len(png), "thumbnail_max_bytes": THUMBNAIL_MAX_BYTES}
        backend.clear()
        assert backend.connection.exists(backend.key("lock", "in-flight"))   # a lock in flight stays
    after = backend.info()
    assert (after["http_responses"], after["uploads"], after["thumbnails"], after["thumbnail_bytes"]) == (0, 0, 0, 0)
    assert backend.connection.exists(backend.key("rate"))                 # the rate limit stays
    assert other.info()["uploads"] == 1                                    # another namespace is untouched
    other.close()


def test_a_server_stopped_mid_use_gives_cache_unavailable_everywhere(own_redis):
    server = own_redis()
    backend = RedisBackend(server.url)
    memo, store, flights = backend.upload_memo(), backend.thumbnail_store(), backend.single_flight()
    limiter = backend.rate_limiter(100)
    limiter.wait()
    server.stop()
    calls = {
        "memo.get": lambda: memo.get("k"), "memo.count": memo.count, "memo.clear": memo.clear,
        "thumbnail read": lambda: store._read(store.key("p1", "https://img.example/a.png")),
        "store.info": store.info, "store.clear": store.clear,
        "lock": lambda: flights.hold("k").__enter__(), "limiter": limiter.wait,
        "http read": lambda: backend.http_cache().get_response("k"),
        "info": backend.info, "clear": backend.clear,
    }
    for name, call in calls.items():
        with pytest.raises(CacheUnavailableError) as info:
            call()
        assert server.url in str(info.value), name
        assert "Traceback" not in str(info.value) and info.value.__cause__ is None, name
    assert limiter.admitted == 1


def test_writes_to_a_stopped_server_warn_and_keep_the_result(own_redis):
    server = own_redis()
    backend = RedisBackend(server.url)
    memo = backend.upload_memo()
    server.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        memo.put("k", "https://img.example/q.png", 1.0, 4e9)
        memo.put("k2", "https://img.example/r.png", 1.0, 4e9)
    assert memo.get("k") == ("https://img.example/q.png", 1.0, 4e9)   # from memory, no Redis read
    assert [w.category.__name__ for w in caught] == ["CacheWarning"]   # once
    assert server.url in str(caught[0].message) and "pay for them again" in str(caught[0].message)


def test_without_the_redis_extra_the_error_names_it(tmp_path):
    script = textwrap.dedent("""
        import importlib.abc, sys
        class Hide(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] == "redis":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Hide())
        from patsnap_pandas.store.redis_backend import RedisBackend
        try:
            RedisBackend("redis://127.0.0.1:1/0")
        except ImportError as err:
            print(type(err).__name__, err.extra)
            print(err)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first, message = done.stdout.split("\n", 1)
    assert first == "MissingExtraError redis"
    assert "patsnap-pandas[redis]" in message
    assert MissingExtraError.__name__ in first
