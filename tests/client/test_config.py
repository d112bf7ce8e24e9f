"""Settings: explicit arguments > environment > defaults; missing credentials explain themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from patsnap_pandas import InvalidInputError, MissingCredentialsError, PatsnapClient, config


def test_every_setting_has_one_patsnap_variable():
    names = [setting.env for setting in config.SETTINGS.values()]
    assert len(names) == len(set(names))
    assert all(name.startswith("PATSNAP_") for name in names)
    assert {"PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL",
            "PATSNAP_CACHE_DIR", "PATSNAP_TIMEOUT", "PATSNAP_MAX_RETRIES",
            "PATSNAP_RATE_LIMIT"} <= set(names)


def test_explicit_beats_environment_beats_default(monkeypatch):
    monkeypatch.delenv("PATSNAP_TIMEOUT", raising=False)
    assert config.resolve("timeout") == 30.0
    monkeypatch.setenv("PATSNAP_TIMEOUT", "12.5")
    assert config.resolve("timeout") == 12.5
    assert config.resolve("timeout", 3) == 3.0
    monkeypatch.setenv("PATSNAP_BASE_URL", "https://connect.zhihuiya.com/")
    assert config.resolve("base_url") == "https://connect.zhihuiya.com"
    monkeypatch.delenv("PATSNAP_BASE_URL")
    assert config.resolve("base_url") == "https://connect.patsnap.com"


@pytest.mark.parametrize(("variable", "value"), [("PATSNAP_TIMEOUT", "soon"), ("PATSNAP_TIMEOUT", "-1"),
                                                 ("PATSNAP_MAX_RETRIES", "2.5"),
                                                 ("PATSNAP_RATE_LIMIT", "0"),
                                                 ("PATSNAP_BASE_URL", "connect.patsnap.com")])
def test_bad_environment_value_names_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    name = next(n for n, s in config.SETTINGS.items() if s.env == variable)
    with pytest.raises(InvalidInputError, match=f"{variable}='{value}' is not valid"):
        config.resolve(name)


@pytest.mark.parametrize(("name", "value", "problem", "allowed"), [
    ("timeout", True, "expected a number, got bool", "a number of seconds > 0"),
    ("timeout", float("inf"), "not a finite number", "a number of seconds > 0"),
    ("rate_limit", float("nan"), "not a number (NaN)", "a number of calls per second > 0"),
    ("max_retries", float("inf"), "expected an integer, got float", "an integer >= 0"),
    ("max_retries", "2.5", "not an integer", "an integer >= 0"),
    ("result_max_age", "-5m", "out of range", "a number of seconds > 0, a timedelta, or text such as '90s'"),
])
def test_bad_explicit_numbers_raise_invalid_input_naming_the_argument(name, value, problem, allowed):
    with pytest.raises(InvalidInputError) as info:
        config.resolve(name, value)
    assert str(info.value).startswith(f"{name}={value!r} is not valid: {problem}. Allowed: {allowed}")


def test_numbers_from_the_environment_are_read_from_text(monkeypatch):
    monkeypatch.setenv("PATSNAP_TIMEOUT", " 12.5 ")
    monkeypatch.setenv("PATSNAP_MAX_RETRIES", "2")
    monkeypatch.setenv("PATSNAP_RATE_LIMIT", "0.5")
    assert (config.resolve("timeout"), config.resolve("max_retries"), config.resolve("rate_limit")) == (12.5, 2, 0.5)
    assert config.resolve("max_retries", 2.0) == 2  # a whole float is a count, as before
    monkeypatch.setenv("PATSNAP_MAX_RETRIES", "-1")
    with pytest.raises(InvalidInputError, match=r"^PATSNAP_MAX_RETRIES='-1' is not valid: out of range\. "
                                                r"Allowed: an integer >= 0\.$"):
        config.resolve("max_retries")


def test_the_sandbox_reads_its_cache_folder_from_the_variable_of_the_settings_table():
    """The sandbox imports nothing of the client (its contract), so it spells the name itself: the same one."""
    from patsnap_pandas.sandbox import corpus

    assert config.env_name("sandbox_cache_dir") == corpus.CACHE_DIR_ENV == "PATSNAP_SANDBOX_CACHE_DIR"


def test_every_patsnap_variable_the_package_reads_is_in_the_settings_table():
    """One table of environment variables: a PATSNAP_* name spelled anywhere in the package is one of its rows."""
    import re

    texts = [path.read_text(encoding="utf-8") for path in Path(config.__file__).parent.rglob("*.py")]
    spelled = {name for text in texts for name in re.findall(r"[\"'](PATSNAP_[A-Z_]+)[\"']", text)}
    constants = {name for text in texts for name in re.findall(r"^(PATSNAP_[A-Z_]+) *=", text, re.M)}  # words.PATSNAP_SOURCE
    assert "PATSNAP_SANDBOX_CACHE_DIR" in spelled
    assert spelled - constants <= {setting.env for setting in config.SETTINGS.values()}, spelled - constants


def test_secret_values_are_not_echoed_in_errors(monkeypatch):
    with pytest.raises(InvalidInputError) as info:
        config.resolve("api_key", "   ")
    assert "<hidden>" in str(info.value)


def test_cache_dir_explicit_env_default(monkeypatch, tmp_path):
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "env"))
    assert config.cache_dir() == tmp_path / "env"
    assert config.cache_dir(tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.delenv("PATSNAP_CACHE_DIR")
    assert config.cache_dir() == Path(platformdirs.user_cache_dir("patsnap-pandas"))
    assert not (tmp_path / "env").exists()  # resolving creates nothing


def test_missing_credentials_names_every_variable_and_the_sandbox(monkeypatch):
    for name in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingCredentialsError) as info:
        PatsnapClient()
    message = str(info.value)
    for text in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PatsnapClient.sandbox()"):
        assert text in message


def test_half_a_credential_pair_names_the_missing_half(monkeypatch):
    monkeypatch.setenv("PATSNAP_CLIENT_ID", "only-the-id")
    with pytest.raises(MissingCredentialsError, match="environment variable PATSNAP_CLIENT_SECRET is missing"):
        PatsnapClient.from_env()
    with pytest.raises(MissingCredentialsError, match="argument client_id is missing"):
        PatsnapClient(client_secret="only-the-secret")


def test_from_env_uses_the_environment_and_overrides_win(monkeypatch, sandbox, tmp_path):
    creds = sandbox.credentials
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", creds.api_key)
    monkeypatch.setenv("PATSNAP_MAX_RETRIES", "2")
    with PatsnapClient.from_env(cache_dir=tmp_path) as client:
        assert client.base_url == sandbox.base_url
        assert client.max_retries == 2
        assert "API key" in repr(client)
        assert client.legal_status([sandbox.corpus.designs[0].patent_id])[0]["pn"]
    # explicit token credentials win over the environment's API key
    with PatsnapClient.from_env(client_id=creds.client_id, client_secret=creds.client_secret,
                                max_retries=0, cache_dir=tmp_path) as client:
        assert client.max_retries == 0
        assert "client credentials (token)" in repr(client)
        assert client.legal_status([sandbox.corpus.designs[0].patent_id])


def test_importing_the_package_does_nothing_else(tmp_path):
    """No files, no logging handlers or filters, no network: checked in a fresh interpreter."""
    code = """
import logging, socket, sys
def refuse(*a, **k):
    raise AssertionError("network used at import")
socket.socket.connect = refuse
socket.getaddrinfo = refuse
import patsnap_pandas
assert patsnap_pandas.PatsnapClient and patsnap_pandas.SearchFilters
assert not logging.getLogger().handlers and not logging.getLogger().filters
for name, logger in logging.root.manager.loggerDict.items():
    if not isinstance(logger, logging.Logger):
        continue
    assert not logger.filters, name  # the redaction filter is installed by a client, not by import
    if name.startswith("patsnap_pandas"):
        assert not logger.handlers, name
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATSNAP_")}
    env["PATSNAP_CACHE_DIR"] = str(tmp_path / "cache")
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert list(tmp_path.iterdir()) == []  # neither the cache dir nor a home/xdg cache was created


def test_a_base_url_with_user_info_is_refused_without_echoing_it(monkeypatch):
    import pytest

    from patsnap_pandas import InvalidInputError, PatsnapClient

    with pytest.raises(InvalidInputError, match=r"base_url=<hidden> is not valid: must not hold a user name") as info:
        PatsnapClient(api_key="sk-test", base_url="https://alice:s3cret@connect.patsnap.com")
    assert "s3cret" not in str(info.value)
    monkeypatch.setenv("PATSNAP_BASE_URL", "https://alice:s3cret@connect.patsnap.com")
    with pytest.raises(InvalidInputError, match=r"PATSNAP_BASE_URL=<hidden>") as info:
        PatsnapClient(api_key="sk-test")
    assert "s3cret" not in str(info.value)
