"""mkdocs hook: Sphinx roles in docstrings (``:func:`name```) become links in the API reference.

mkdocstrings renders numpy docstrings but leaves Sphinx roles as text, e.g.
``:func:<code>frame.hits_to_frame</code>``. This hook drops the role and, when the
name matches exactly one documented object of the page, links it to that object.
"""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj|const):<code>~?\.?([\w.]+)</code>")
ANCHOR = re.compile(r'\bid="(patsnap_pandas(?:\.\w+)+)"')


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs hook signature
    anchors = set(ANCHOR.findall(html))

    def replace(match: re.Match) -> str:
        name = match.group(1)
        found = sorted(a for a in anchors if a == name or a.endswith("." + name))
        code = f"<code>{name}</code>"
        if len(found) == 1:
            return f'<a class="autorefs autorefs-internal" href="#{found[0]}">{code}</a>'
        return code

    return ROLE.sub(replace, html)
