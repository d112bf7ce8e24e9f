"""The pytest plugin patsnap_pandas.testing, as a user meets it: test files run by pytest.

docs/testing.md's example files run in a pytest subprocess, as printed; the options
(markers, indirect parameters, conftest overrides) and their errors run in-process
through pytest's own ``pytester``. The project's suite itself uses the plugin's fixtures
(tests/*/conftest.py), and runs under ``--import-mode=importlib``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "testing.md"
_FILE_BLOCK = re.compile(r"^```python\n# (?P<name>[\w.]+\.py)\n(?P<body>.*?)^```$", re.M | re.S)


def page_files() -> dict[str, str]:
    """The page's ```python blocks that start with ``# <file name>.py``: name -> text."""
    return {m["name"]: f"# {m['name']}\n{m['body']}" for m in _FILE_BLOCK.finditer(PAGE.read_text(encoding="utf-8"))}


def test_the_page_shows_a_conftest_and_a_test_file():
    assert sorted(page_files()) == ["conftest.py", "test_pipeline.py"]


@pytest.mark.slow  # pytest subprocesses: run by make test and CI
def test_the_page_example_passes_in_a_pytest_subprocess(pytester):
    files = page_files()
    for name, text in files.items():
        pytester.path.joinpath(name).write_text(text, encoding="utf-8")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", timeout=600)
    expected = len(re.findall(r"^def test_", files["test_pipeline.py"], re.M)) + 1  # + 1: two auth cases
    result.assert_outcomes(passed=expected)


@pytest.mark.slow  # pytest subprocesses: run by make test and CI
def test_the_plugin_is_registered_by_its_entry_point_and_starts_nothing_until_asked(pytester):
    pytester.makepyfile(
        "import threading\n\n"
        "def test_it(request):\n"
        "    assert request.config.pluginmanager.has_plugin('patsnap')\n"
        "    assert not [t for t in threading.enumerate() if t.name.startswith('patsnap-sandbox')]\n")
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert "patsnap_sandbox" in pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures").stdout.str()
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:patsnap", "--fixtures")
    assert "patsnap_sandbox" not in result.stdout.str()  # pytest -p no:patsnap: the plugin is off


OPTIONS_TESTS = '''
import pytest

pytestmark = pytest.mark.patsnap_sandbox(corpus_size=60, latency=0.01)


@pytest.mark.patsnap_sandbox(quota=3)
def test_marker_knobs_and_module_marker(patsnap_sandbox):
    assert len(patsnap_sandbox.corpus.designs) == 60
    assert (patsnap_sandbox.settings.quota, patsnap_sandbox.settings.latency) == (3, 0.01)
    patsnap_sandbox.configure(failure_rate=1.0)  # reset after the test


def test_knobs_are_reset_between_tests(patsnap_sandbox, patsnap_sandboxes):
    assert patsnap_sandbox.settings.quota is None and patsnap_sandbox.settings.failure_rate == 0.0
    assert patsnap_sandboxes.shared(corpus_size=60) is patsnap_sandbox  # one server for the corpus


@pytest.mark.parametrize("patsnap_sandbox", [{"quota": 1}, {"latency": 0.02}], indirect=True)
def test_indirect_parameters_win(patsnap_sandbox):
    assert (patsnap_sandbox.settings.quota, patsnap_sandbox.settings.latency) in ((1, 0.01), (None, 0.02))


@pytest.mark.patsnap_client(auth="api_key", timeout=7)
def test_client_marker(patsnap_client, patsnap_sandbox, tmp_path):
    assert patsnap_client.base_url == patsnap_sandbox.base_url
    assert patsnap_client.cache_dir == tmp_path / "patsnap-cache" / "cache"
    assert patsnap_client.create_search(patsnap_client.upload_image(
        patsnap_sandbox.corpus.image_png(patsnap_sandbox.corpus.designs[0].image_keys[0]), "q.png").url,
        limit=3).hits
    assert [e.endpoint for e in patsnap_sandbox.ledger] == ["/image-search/image-upload", "/image-search/search-id"]


def test_factories(patsnap_client_factory, patsnap_sandbox_factory):
    own = patsnap_sandbox_factory(corpus_size=60, quota=0)
    first, second = patsnap_client_factory(own, name="team"), patsnap_client_factory(own, name="team")
    assert first.cache_dir == second.cache_dir and own.settings.quota == 0
    assert patsnap_client_factory().base_url != own.base_url  # no sandbox given: patsnap_sandbox
'''


def test_options_from_markers_parameters_and_fixtures(pytester):
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef patsnap_client_options():\n"
                          "    return {'max_retries': 1}\n")
    pytester.makepyfile(test_options=OPTIONS_TESTS)
    pytester.runpytest("-q", "-p", "no:cacheprovider").assert_outcomes(passed=6)


def test_a_misspelt_option_fails_the_test_naming_it_and_what_is_allowed(pytester):
    pytester.makepyfile(
        "import pytest\n\npytestmark = pytest.mark.patsnap_sandbox(corpus_size=60)\n\n"
        "@pytest.mark.patsnap_sandbox(failure_rat=0.5)\n"
        "def test_it(patsnap_sandbox):\n    pass\n\n"
        "@pytest.mark.patsnap_client(auth='password')\n"
        "def test_auth(patsnap_client):\n    pass\n")
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    text = result.stdout.str()
    assert "'failure_rat' is not a sandbox option. Allowed: the corpus options corpus, corpus_size" in text
    assert "failure_rate" in text and "token_lifetime" in text
    assert ("auth='password' is not valid: unknown way to authenticate. Allowed: 'token' (client id + secret) "
            "or 'api_key'.") in text


def test_importlib_mode_is_the_suite_setting():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "--import-mode=importlib" in config["tool"]["pytest"]["ini_options"]["addopts"]


def test_the_redis_fixture_is_a_real_server_emptied_before_each_test(patsnap_redis, patsnap_redis_server):
    assert patsnap_redis == patsnap_redis_server.url
    assert patsnap_redis_server.command("DBSIZE") == "0"
    patsnap_redis_server.command("SET", "left-by-this-test", "1")
    assert patsnap_redis_server.command("DBSIZE") == "1"


def test_the_redis_fixture_starts_each_test_empty(patsnap_redis, patsnap_redis_server):
    assert patsnap_redis_server.command("EXISTS", "left-by-this-test") == "0"
