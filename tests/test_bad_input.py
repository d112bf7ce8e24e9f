"""The bad-input catalogue: every case is refused with a message naming what is wrong, before any call.

One parametrised test over search_designs, SearchFilters, the df.patsnap accessor
methods and the command line. For each case the expected exception (or, for the
CLI, exit code 2 and a one-line message on stderr) and a regex of its message;
then the sandbox's ledger must still be empty: a bad argument never costs a
billed call, and the client never touched the network.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from patsnap_pandas import FilterError, ImageInputError, InvalidInputError, PatsnapClient, SearchFilters, search_designs
from patsnap_pandas.cli import main as cli
from patsnap_pandas.jobs.search import continue_search
from patsnap_pandas.sandbox import start_sandbox


@dataclass
class Ctx:
    client: PatsnapClient
    hits: pd.DataFrame
    png: bytes
    folder: Path
    catalogue: pd.DataFrame


@dataclass
class Call:
    """A library call: ``run(ctx)`` must raise ``error`` with a message matching ``pattern``."""

    id: str
    run: Callable[[Ctx], object]
    error: type[BaseException]
    pattern: str


@dataclass
class Cli:
    """A command line: exit code 2, one stderr line matching ``pattern`` ({dir}, {png}, {csv} filled in)."""

    id: str
    argv: list[str]
    pattern: str


def _search(**kwargs) -> Callable[[Ctx], object]:
    def run(ctx: Ctx):
        options = {"client": ctx.client, **kwargs}
        return search_designs(options.pop("image", ctx.png), **options)
    return run


def _filters(**kwargs) -> Callable[[Ctx], object]:
    return lambda ctx: SearchFilters(**kwargs)


ALLOWED_LIMIT = r"Allowed: an integer from 1 to 100\."

CASES = [
    # --- search_designs: counts, flags, client, image -------------------------------------------
    Call("search limit=0", _search(limit=0), FilterError, r"^limit=0 is not valid: out of range\. " + ALLOWED_LIMIT),
    Call("search limit=101", _search(limit=101), FilterError, r"^limit=101 is not valid: out of range\. "),
    Call("search limit='10'", _search(limit="10"), FilterError,
         r"^limit='10' is not valid: expected an integer, got str\. " + ALLOWED_LIMIT),
    Call("search limit=True", _search(limit=True), FilterError, r"^limit=True is not valid: expected an integer"),
    Call("search max_results=0", _search(max_results=0), InvalidInputError,
         r"^max_results=0 is not valid: out of range\. Allowed: an integer from 1 to 1100\."),
    Call("search max_results=5000", _search(max_results=5000), InvalidInputError,
         r"^max_results=5000 is not valid: PatSnap serves at most 1100 hits per search"),
    Call("search max_results=2.5", _search(max_results=2.5), InvalidInputError,
         r"^max_results=2\.5 is not valid: expected an integer, got float"),
    Call("search thumbnails='yes'", _search(thumbnails="yes"), InvalidInputError,
         r"^thumbnails='yes' is not valid: expected True or False\."),
    Call("search client=str", _search(client="my-key"), InvalidInputError,
         r"^client='my-key' is not valid: expected a PatsnapClient"),
    Call("search missing file", lambda c: search_designs(str(c.folder / "nope.png"), client=c.client),
         ImageInputError, r"^image='.*nope\.png': no such file\. image must be an http\(s\) URL, a path to an image"),
    Call("search folder", lambda c: search_designs(str(c.folder), client=c.client), ImageInputError,
         r"^image='.*': is a directory, not an image file\. image must be"),
    Call("search empty bytes", _search(image=b""), ImageInputError, r"^image=<0 bytes>: is empty \(0 bytes\)\. image must be an http\(s\) URL, a path"),
    Call("search text bytes", _search(image=b"hello, not an image"), ImageInputError,
         r"^image=<19 bytes starting b'hello, n'>: is not an image file Pillow can read \(e\.g\. PNG, JPEG"),
    Call("search ftp URL", _search(image="ftp://example.com/chair.png"), ImageInputError,
         r"^image='ftp://example\.com/chair\.png': uses the ftp: scheme; only http:// and https:// URLs are allowed"),
    Call("search int image", _search(image=42), ImageInputError, r"^image=42: has unsupported type int\. image must be an http\(s\) URL"),
    Call("search empty array", _search(image=np.zeros((0, 0), dtype=np.uint8)), ImageInputError,
         r"^image=<numpy array shape=\(0, 0\) dtype=uint8>: is empty\. image must be"),
    Call("search label=5", _search(label=5), ImageInputError, r"^label=5: is not a non-empty string\. label must be a non-empty string"),
    Call("search unknown filter", _search(colour="red"), FilterError,
         r"^'colour' is not a search filter\. Allowed names: loc, assignees, .*, field, order\."),
    Call("search typo filter", _search(contry="CN"), FilterError, r"'contry' is not a search filter.*Did you mean 'country'\?"),
    Call("search offset as filter", _search(offset=5), FilterError, r"^offset is not a filter: pass offset= to create_search\(\)/search_results\(\)\. Allowed filter names: loc,"),
    # --- SearchFilters -------------------------------------------------------------------------------
    Call("loc dangling AND", _filters(loc="01-01 AND"), FilterError,
         r"^loc='01-01 AND' is not valid: a code or '\(' is missing after 'AND'\. Allowed: Locarno codes"),
    Call("loc unbalanced", _filters(loc="(01-01 OR 01-02"), FilterError,
         r"^loc='\(01-01 OR 01-02' is not valid: unbalanced parentheses"),
    Call("loc class 33", _filters(loc="33-01"), FilterError, r"^loc='33-01' is not valid: class 33 of '33-01' does not exist"),
    Call("loc subclass 00", _filters(loc="01-00"), FilterError, r"^loc='01-00' is not valid: subclass 00"),
    Call("loc typo AMD", _filters(loc="01-01 AMD 01-02"), FilterError,
         r"^loc='01-01 AMD 01-02' is not valid: unexpected 'AMD'.*Did you mean 'AND'\?"),
    Call("loc list of ints", _filters(loc=[1, 2]), FilterError,
         r"^loc=\[1, 2\] is not valid: every item of a list must be a code string"),
    Call("country XX", _filters(country="XX"), FilterError,
         r"^country='XX' is not valid: unknown authority 'XX'\. Allowed: authority codes"),
    Call("country empty item", _filters(country="CN,,US"), FilterError,
         r"^country='CN,,US' is not valid: empty item in the comma-separated list"),
    Call("legal_status unknown name", _filters(legal_status="granted,foo"), FilterError,
         r"^legal_status='granted,foo' is not valid: unknown status 'foo'\. Allowed: codes 1, 2, 3"),
    Call("legal_status unknown code", _filters(legal_status=999), FilterError,
         r"^legal_status=999 is not valid: unknown code 999"),
    Call("simple_legal_status bool", _filters(simple_legal_status=True), FilterError,
         r"^simple_legal_status=True is not valid: a boolean is not a code"),
    Call("apply_start month 13", _filters(apply_start_time="2020-13-01"), FilterError,
         r"^apply_start_time='2020-13-01' is not valid: month must be in 1\.\.12\. Allowed: a date"),
    Call("apply_start words", _filters(apply_start_time="yesterday"), FilterError,
         r"^apply_start_time='yesterday' is not valid: not a date in a known format\. Allowed: a date, a datetime, "
         r"'YYYY-MM-DD' or 'YYYYMMDD'\."),
    Call("apply_end float", _filters(apply_end_time=20200101.0), FilterError,
         r"^apply_end_time=20200101\.0 is not valid: expected a date, got float"),
    Call("apply_start NaT", _filters(apply_start_time=pd.NaT), FilterError, r"^apply_start_time=NaT is not valid"),
    Call("public range reversed", _filters(public_start_time="2021-01-01", public_end_time="2020-01-01"), FilterError,
         r"^public_start_time='20210101' is after public_end_time='20200101'\. Allowed: public_start_time <= "),
    Call("field price", _filters(field="price"), FilterError, r"^field='price' is not valid: unknown sort field\. "
         r"Allowed: 'score'.*'APD'"),
    Call("order up", _filters(order="up"), FilterError, r"^order='up' is not valid: unknown sort order\. Allowed: "),
    Call("assignees list", _filters(assignees=["A", "B"]), FilterError,
         r"^assignees=\['A', 'B'\] is not valid: expected a string, got list"),
    Call("main_field int", _filters(main_field=5), FilterError, r"^main_field=5 is not valid: expected a string, got int"),
    Call("coerce int", lambda c: SearchFilters.coerce(42), FilterError,
         r"^filters=42 is not valid: expected SearchFilters, a dict of filter values or None"),
    # --- the accessor on a result frame ---------------------------------------------------------------
    Call("more n=0", lambda c: c.hits.patsnap.more(0), InvalidInputError, r"^n=0 is not valid: out of range\. "
         r"Allowed: an integer from 1 to 1100\."),
    Call("more n=5000", lambda c: c.hits.patsnap.more(5000), InvalidInputError, r"^n=5000 is not valid: PatSnap serves at most 1100 hits per search .* Allowed: an integer from 1 to 1100\."),
    Call("more refresh='yes'", lambda c: c.hits.patsnap.more(10, refresh="yes"), InvalidInputError,
         r"^refresh='yes' is not valid: expected True or False"),
    Call("continue a catalogue", lambda c: continue_search(c.catalogue, 10, client=c.client), InvalidInputError,
         r"df is not a result frame: it lacks the columns \['rank', 'score'"),
    Call("enrich unknown field", lambda c: c.hits.patsnap.enrich(["colour"]), InvalidInputError,
         r"^fields=\['colour'\] is not valid: unknown field\(s\) \['colour'\]\. Allowed: assignees, applicants"),
    Call("enrich legal field", lambda c: c.hits.patsnap.enrich("legal_status"), InvalidInputError,
         r"unknown field\(s\) \['legal_status'\].*pass legal_status=True"),
    Call("enrich nothing", lambda c: c.hits.patsnap.enrich([], legal_status=False), InvalidInputError,
         r"^fields=\[\] with legal_status=False adds nothing"),
    Call("enrich legal_status='yes'", lambda c: c.hits.patsnap.enrich(legal_status="yes"), InvalidInputError,
         r"^legal_status='yes' is not valid: expected True or False"),
    Call("thumbnails columns=0", lambda c: c.hits.patsnap.thumbnails(columns=0), ValueError,
         r"^columns=0 is not valid: out of range\. Allowed: an integer from 1 to 20\.$"),
    Call("thumbnails size=10", lambda c: c.hits.patsnap.thumbnails(size=10), ValueError,
         r"^size=10 is not valid: out of range\. Allowed: an integer from 32 to 1024\.$"),
    Call("thumbnails caption", lambda c: c.hits.patsnap.thumbnails(caption=["colour"]), ValueError,
         r"^caption=\('colour',\) names \['colour'\], which are not columns of df; allowed: \['rank', 'score'"),
    Call("plot kind pie", lambda c: c.hits.patsnap.plot_scores("pie"), ValueError, r"^kind='pie' is not valid: unknown kind\. Allowed: 'bar', 'hist' or 'strip'\.$"),
    Call("plot by unknown", lambda c: c.hits.patsnap.plot_scores(by="colour"), ValueError,
         r"^by='colour' is not a column of df to group by; allowed: None or \['query', 'authority'\]$"),
    Call("gallery n=0", lambda c: c.hits.patsnap.gallery(n=0), ValueError,
         r"^n=0 is not valid: out of range\. Allowed: an integer >= 1\.$"),
    Call("top n=-1", lambda c: c.hits.patsnap.top(-1), ValueError, r"^n=-1 is not valid: out of range\. Allowed: an integer >= 1\.$"),
    Call("top by unknown", lambda c: c.hits.patsnap.top(3, by="colour"), ValueError,
         r"^by='colour' is not a column of df; allowed: \['rank', 'score', 'patent_pn'"),
    Call("to_html no folder", lambda c: c.hits.patsnap.to_html(c.folder / "nowhere" / "r.html"), ValueError,
         r"^path='.*nowhere/r\.html' is not valid: the folder '.*nowhere' does not exist"),
    Call("to_html title int", lambda c: c.hits.patsnap.to_html(c.folder / "r.html", title=5), ValueError,
         r"^title=5 is not valid: expected non-empty text\.$"),
    Call("to_excel path int", lambda c: c.hits.patsnap.to_excel(123), ValueError, r"^path=123 is not valid: expected a file path \(str or Path\)$"),
    Call("plot n=0", lambda c: c.hits.patsnap.plot_scores(n=0), ValueError,
         r"^n=0 is not valid: out of range\. Allowed: an integer >= 1\.$"),
    Call("method on a catalogue", lambda c: c.catalogue.patsnap.thumbnails(), AttributeError,
         r"df\.patsnap\.thumbnails\(\) works on design-search results.*search_each"),
    Call("missing column", lambda c: c.hits.drop(columns="image_url").patsnap.thumbnails(), ValueError,
         r"df\.patsnap\.thumbnails\(\) needs the column\(s\) \['image_url'\]"),
    Call("search_each no column", lambda c: c.catalogue.patsnap.search_each("photograph", client=c.client),
         InvalidInputError, r"^image_column='photograph' is not a column of the catalogue; allowed: \['sku', 'photo'\]"),
    Call("search_each workers=0", lambda c: c.catalogue.patsnap.search_each("photo", max_workers=0, client=c.client),
         InvalidInputError, r"^max_workers=0 is not valid: out of range\. Allowed: an integer from 1 to 32\.$"),
    Call("search_each rate=-1", lambda c: c.catalogue.patsnap.search_each("photo", rate_limit=-1, client=c.client),
         InvalidInputError, r"^rate_limit=-1 is not valid: out of range\. Allowed: None or a number of calls per second > 0\.$"),
    Call("search_each country", lambda c: c.catalogue.patsnap.search_each("photo", country="XX", client=c.client),
         FilterError, r"^country='XX' is not valid: unknown authority 'XX'\. Allowed: authority codes such as CN"),
    Call("search_each label column", lambda c: c.catalogue.patsnap.search_each("photo", label_column="name",
                                                                                client=c.client),
         InvalidInputError, r"^label_column='name' is not a column"),
    Call("search_each limit", lambda c: c.catalogue.patsnap.search_each("photo", limit=500, client=c.client),
         FilterError, r"^limit=500 is not valid: out of range\. " + ALLOWED_LIMIT),
    # --- the command line, account from the environment (no --sandbox) --------------------------------
    Cli("cli limit 0", ["search", "{png}", "--limit", "0"], r"--limit=0 is not valid: out of range"),
    Cli("cli limit word", ["search", "{png}", "--limit", "ten"], r"argument --limit: invalid int value: 'ten'"),
    Cli("cli missing image", ["search", "{dir}/missing.png"], r"IMAGE .*missing\.png: no such file"),
    Cli("cli text file", ["search", "{dir}/notes.txt"], r"notes\.txt: not an image file Pillow can read"),
    Cli("cli country", ["search", "{png}", "--country", "XX"], r"--country='XX' is not valid: unknown authority"),
    Cli("cli loc", ["search", "{png}", "--loc", "(01-01"], r"--loc='\(01-01' is not valid: unbalanced"),
    Cli("cli date", ["search", "{png}", "--apply-start", "2020-02-30"],
        r"--apply-start='2020-02-30' is not valid: day is out of range for month"),
    Cli("cli max results", ["search", "{png}", "--max-results", "5000"], r"--max-results=5000 is not valid"),
    Cli("cli out doc", ["search", "{png}", "--out", "{dir}/hits.doc"], r"unsupported file type '\.doc'"),
    Cli("cli sort field", ["search", "{png}", "--sort-field", "price"], r"--sort-field='price' is not valid"),
    Cli("cli corpus without sandbox", ["search", "{png}", "--sandbox-corpus", "{dir}"],
        r"--sandbox-corpus needs --sandbox"),
    Cli("cli batch csv missing", ["batch", "{dir}/none.csv", "--image-column", "photo"], r"none\.csv: no such file"),
    Cli("cli batch column", ["batch", "{csv}", "--image-column", "image"], r"--image-column 'image' is not a column"),
    Cli("cli batch workers", ["batch", "{csv}", "--image-column", "photo", "--workers", "0"],
        r"--workers=0 is not valid"),
    Cli("cli batch rate", ["batch", "{csv}", "--image-column", "photo", "--rate-limit", "0"],
        r"--rate-limit=0\.0 is not valid"),
    Cli("cli sandbox failure rate", ["sandbox", "--failure-rate", "2"], r"failure_rate=2\.0.*<= 1"),
    Cli("cli unknown command", ["serach", "{png}"], r"invalid choice: 'serach'"),
]


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(corpus_size=600) as server:
        yield server


@pytest.fixture(scope="module")
def ctx(sandbox, tmp_path_factory) -> Ctx:
    folder = tmp_path_factory.mktemp("bad-input")
    corpus = sandbox.corpus
    png = corpus.image_png(corpus.designs[21].image_keys[0])
    (folder / "query.png").write_bytes(png)
    (folder / "notes.txt").write_text("not an image")
    (folder / "catalogue.csv").write_text("sku,photo\nA1,query.png\n")
    client = PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key,
                           cache_dir=folder / "cache", backoff_factor=0.001)
    hits = search_designs(png, client=client, limit=5)
    catalogue = pd.DataFrame({"sku": ["A1"], "photo": [png]})
    yield Ctx(client, hits, png, folder, catalogue)
    client.close()


def test_the_catalogue_is_large_and_covers_every_entry_point():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) and len(CASES) >= 40
    kinds = {case.id.split()[0] for case in CASES}
    assert {"search", "loc", "country", "more", "enrich", "thumbnails", "search_each", "cli"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_before_any_call(case, ctx, sandbox, monkeypatch):
    sandbox.ledger.clear()
    requests_before = dict(ctx.client.usage.requests)
    if isinstance(case, Call):
        with pytest.raises(case.error) as info:
            case.run(ctx)
        message = str(info.value)
        assert re.search(case.pattern, message), f"{type(info.value).__name__}: {message}"
    else:
        monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
        monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
        monkeypatch.setenv("PATSNAP_CACHE_DIR", str(ctx.folder / "cli-cache"))
        argv = [a.format(dir=ctx.folder, png=ctx.folder / "query.png", csv=ctx.folder / "catalogue.csv")
                for a in case.argv]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
        lines = err.getvalue().splitlines()
        assert code == 2, (code, err.getvalue())
        assert len(lines) == 1 and "Traceback" not in err.getvalue(), lines
        assert re.match(r"^patsnap-pandas( \w+)?: error: ", lines[0]), lines[0]
        assert re.search(case.pattern, lines[0]), lines[0]
        assert out.getvalue() == ""
    assert len(sandbox.ledger) == 0, [e.endpoint for e in sandbox.ledger]
    assert dict(ctx.client.usage.requests) == requests_before
