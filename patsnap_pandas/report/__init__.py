"""Reports an analyst can send to counsel: one model, written as HTML, PDF, Excel or Word.

:func:`build_report` makes a :class:`Report` from a result frame (or a batch
frame) once; :func:`clearance_report` and :func:`prior_art_report` make the two job
reports from a clearance or prior-art job's frames (kept, excluded, provenance), and
:func:`comparison` the three-way comparison they show; :func:`write_html`,
:func:`write_pdf`, :func:`write_excel` and :func:`write_docx` lay any of them out.
``df.patsnap.to_html / to_pdf / to_excel / to_docx``, the CLI and the panel all go
through here. The summaries (:func:`summary`, :func:`overlap`, :func:`top`) are
plain pandas tables.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> from patsnap_pandas.report import build_report, write_html
>>> client = PatsnapClient.sandbox()
>>> df = search_designs(samples.image("armchair"), client=client, limit=10).patsnap.enrich(legal_status=True)
>>> report = build_report(df, title="Chairs like ours", author="A. Analyst", organisation="Acme")
>>> write_html(report, "chairs.html").name
'chairs.html'
>>> client.close()
"""

from __future__ import annotations

from ..frame.format import top
from .clearance import clearance_report, comparison, prior_art_report
from .docx import write_docx
from .excel import write_excel
from .html import render_html, write_html
from .job_model import Job
from .model import INCLUDE_CHOICES, REQUIRED_COLUMNS, Report, build_report
from .pdf import PAGE_SIZES, PDF_ENGINES, write_pdf
from .tables import ASSIGNEE_COLUMNS, overlap, summary

__all__ = [
    "ASSIGNEE_COLUMNS", "INCLUDE_CHOICES", "PAGE_SIZES", "PDF_ENGINES", "REQUIRED_COLUMNS", "Job", "Report", "build_report",
    "clearance_report", "comparison", "overlap", "prior_art_report", "render_html", "summary", "top", "write_docx",
    "write_excel", "write_html", "write_pdf",
]
