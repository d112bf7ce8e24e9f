"""WordprocessingML pieces for the Word writer (:mod:`.docx`), built as XML text and parsed once.

python-docx's object API builds a table cell by cell, and each call walks the tree: a table
of 100 hits took seconds. Here a paragraph, a run, a picture or a whole table is written as
one XML string (every text through :func:`text`: XML-safe, bidi controls neutralised) and
parsed by lxml in one go; :class:`Body` appends it to the document and owns the parts that
need the package (pictures, hyperlinks, unique drawing ids).

CJK text gets a font Word has on every system, in ``w:eastAsia`` (:func:`east_asian_font`:
SimSun for Chinese, MS Mincho for Japanese, Malgun Gothic for Korean) and the language tag
Word uses to pick it; LibreOffice substitutes Noto CJK for them.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from ..safe_text import display_safe

__all__ = ["CM", "EMU_PER_TWIP", "Body", "east_asian_font", "para", "run", "table", "text"]

#: EMU (drawing units) per twip (a twentieth of a point, the unit of widths and margins).
EMU_PER_TWIP = 635
#: Twips per centimetre.
CM = 567
_CELL_MARGIN = 70
#: Above and below a cell's content: without it LibreOffice draws a picture over the cell's top border.
_CELL_MARGIN_Y = 40
_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}
NSDECLS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in _NS.items())
_CJK = re.compile("[\u1100-\u11ff\u2e80-\u303f\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                  "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")
_FIRST_TAG = re.compile(r"^(<[\w:]+)")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_DIGIT_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")  # in a date or a Locarno code: never a line break
#: The East Asian font and language tag per script: fonts Word has on Windows and macOS.
CJK_FONTS = {"zh": ("SimSun", "zh-CN"), "ja": ("MS Mincho", "ja-JP"), "ko": ("Malgun Gothic", "ko-KR")}


def east_asian_font(value: str) -> tuple[str, str] | None:
    """The (font, language) Word should use for the CJK characters of ``value``; None without any.

    Examples
    --------
    >>> east_asian_font("Chair"), east_asian_font("椅子"), east_asian_font("いす"), east_asian_font("의자")
    (None, ('SimSun', 'zh-CN'), ('MS Mincho', 'ja-JP'), ('Malgun Gothic', 'ko-KR'))
    """
    if not _CJK.search(value):
        return None
    if _KANA.search(value):
        return CJK_FONTS["ja"]
    return CJK_FONTS["ko"] if _HANGUL.search(value) else CJK_FONTS["zh"]


def text(value: Any) -> str:
    """``value`` as escaped XML character data: XML-safe, bidi embeddings and overrides shown as U+FFFD.

    Examples
    --------
    >>> text("a < b & \\u202egnp.exe")
    'a &lt; b &amp; \\ufffdgnp.exe'
    """
    return _xml_escape(display_safe(str(value)))


def run(value: str, *, bold: bool = False, italic: bool = False, color: str | None = None,
        size: float | None = None, keep: bool = False, underline: bool = False) -> str:
    """One run of ``value`` (a line break for each newline), hyphens between digits never broken (dates, Locarno
    codes: Word would break "06-01" in a narrow column); ``keep``: no hyphen breaks (numbers such as US-D900000-S).

    Examples
    --------
    >>> run("2020-01-02")
    '<w:r><w:t xml:space="preserve">2020</w:t><w:noBreakHyphen/><w:t xml:space="preserve">01</w:t><w:noBreakHyphen/><w:t xml:space="preserve">02</w:t></w:r>'
    >>> run("a well-known 06-01", keep=False)
    '<w:r><w:t xml:space="preserve">a well-known 06</w:t><w:noBreakHyphen/><w:t xml:space="preserve">01</w:t></w:r>'
    """
    if not value:
        return ""
    found = east_asian_font(value)
    # w:rPr children in the schema's order: rFonts, b, i, color, sz, szCs, u, lang
    props = ((f'<w:rFonts w:eastAsia="{found[0]}" w:hint="eastAsia"/>' if found else "")
             + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
             + (f'<w:color w:val="{color}"/>' if color else "")
             + (f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>' if size else "")
             + ('<w:u w:val="single"/>' if underline else "")
             + (f'<w:lang w:eastAsia="{found[1]}"/>' if found else ""))
    inner = []
    for i, line in enumerate(value.split("\n")):
        if i:
            inner.append("<w:br/>")
        pieces = line.split("-") if keep else _DIGIT_HYPHEN.split(line)
        for j, piece in enumerate(pieces):
            if j:
                inner.append("<w:noBreakHyphen/>")
            if piece:
                inner.append(f'<w:t xml:space="preserve">{text(piece)}</w:t>')
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f"<w:r>{rpr}{''.join(inner)}</w:r>"


def para(*runs: str, style: str | None = None, align: str | None = None, keep_next: bool = False,
         space_after: int | None = None, space_before: int | None = None) -> str:
    """A paragraph of ``runs`` (XML from :func:`run`, :meth:`Body.picture` or :meth:`Body.link`); spacing in twips.

    Examples
    --------
    >>> para(run("Hits"), style="Cell", align="right")
    '<w:p><w:pPr><w:pStyle w:val="Cell"/><w:jc w:val="right"/></w:pPr><w:r><w:t xml:space="preserve">Hits</w:t></w:r></w:p>'
    """
    spacing = ((f' w:before="{space_before}"' if space_before is not None else "")
               + (f' w:after="{space_after}"' if space_after is not None else ""))
    props = ((f'<w:pStyle w:val="{style}"/>' if style else "") + ("<w:keepNext/>" if keep_next else "")
             + (f"<w:spacing{spacing}/>" if spacing else "")
             + (f'<w:jc w:val="{align}"/>' if align else ""))
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{''.join(runs)}</w:p>"


def table(widths: list[int], rows: list[list[str]], *, header: list[str] | None = None, borders: bool = True,
          shade_header: str = "DCE6F1", align: str = "left") -> str:
    """A table of fixed column ``widths`` (twips): each cell is paragraph XML; the header repeats on each page.

    A row of one cell spans the whole table.

    Examples
    --------
    >>> xml = table([2000, 3000], [[para(run("a")), para(run("b"))], [para(run("across"))]], header=["", ""])
    >>> xml.count("<w:tr>"), "<w:tblHeader/>" in xml, '<w:gridSpan w:val="2"/>' in xml
    (3, True, True)

    Rows never split across pages; the layout is fixed, so Word and LibreOffice never widen it past the margins.
    """
    edge = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="B8C0C8"/>'
    sides = ("top", "left", "bottom", "right", "insideH", "insideV")
    border = ("<w:tblBorders>" + "".join(edge.format(s) for s in sides) + "</w:tblBorders>") if borders else ""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    # indented by the cells' left margin, so its border lines up with the text (and its right edge with the margin)
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="{align}"/>'
           f'<w:tblInd w:w="{_CELL_MARGIN}" w:type="dxa"/>{border}<w:tblLayout w:type="fixed"/><w:tblCellMar>'
           f'<w:top w:w="{_CELL_MARGIN_Y}" w:type="dxa"/><w:left w:w="{_CELL_MARGIN}" w:type="dxa"/>'
           f'<w:bottom w:w="{_CELL_MARGIN_Y}" w:type="dxa"/><w:right w:w="{_CELL_MARGIN}" w:type="dxa"/>'
           f'</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
    if header is not None:
        shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade_header}"/>'
        cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{shade}</w:tcPr>{h}</w:tc>'
                        for w, h in zip(widths, header, strict=True))
        out.append(f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>")
    for row in rows:
        if len(row) == 1 and len(widths) > 1:  # one cell across the table
            cells = (f'<w:tc><w:tcPr><w:tcW w:w="{sum(widths)}" w:type="dxa"/><w:gridSpan w:val="{len(widths)}"/>'
                     f'</w:tcPr>{row[0] or "<w:p/>"}</w:tc>')
        else:
            cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{c or "<w:p/>"}</w:tc>'
                            for w, c in zip(widths, row, strict=True))
        out.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


class Body:
    """Appends XML to a python-docx ``Document`` and embeds pictures and links into its package.

    Examples
    --------
    >>> import docx
    >>> body = Body(docx.Document())
    >>> elements = body.append(para(run("Hello")))
    >>> body.doc.paragraphs[-1].text
    'Hello'
    """

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._ids = itertools.count(1)
        self._images: dict[bytes, tuple[str, int, int]] = {}  # SHA-1 of the PNG -> (rId, width, height)
        self._links: dict[str, str] = {}

    def relate(self, target: Any, reltype: str, *, external: bool = False) -> str:
        """A new relationship of the document part to ``target`` (a part, or a URL when ``external``): its rId.

        python-docx looks for an existing relationship and a free name by walking every part and
        relationship on each call (quadratic in the pictures); here each gets a fresh rId at once.
        """
        rid = f"rIdPp{next(self._ids)}"
        self.doc.part.rels.add_relationship(reltype, target, rid, is_external=external)
        return rid

    def part(self, kind: str, xml: str) -> str:
        """A new header or footer part (``kind``: "header" or "footer") holding ``xml``; its rId."""
        from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.oxml import parse_xml
        from docx.parts.hdrftr import FooterPart, HeaderPart

        cls, tag, content = ((HeaderPart, "hdr", CONTENT_TYPE.WML_HEADER) if kind == "header"
                             else (FooterPart, "ftr", CONTENT_TYPE.WML_FOOTER))
        element = parse_xml(f"<w:{tag} {NSDECLS}>{xml}</w:{tag}>")
        n = next(self._ids)
        part = cls(PackURI(f"/word/{kind}{n}.xml"), content, element, self.doc.part.package)
        return self.relate(part, RELATIONSHIP_TYPE.HEADER if kind == "header" else RELATIONSHIP_TYPE.FOOTER)

    def append(self, *elements: str) -> list[Any]:
        """Parse each of ``elements`` (one paragraph or table each) and add them at the end of the body.

        Each is parsed with the namespaces declared on itself: moving an element whose namespaces
        are declared on an ancestor into the document makes lxml fix up every node (0.17 s for a
        table of 100 hits, against 1 ms).
        """
        from docx.oxml import parse_xml

        end = self.doc.element.body.sectPr
        out = []
        for xml in elements:
            element = parse_xml(_FIRST_TAG.sub(rf"\1 {NSDECLS}", xml, count=1))
            end.addprevious(element)
            out.append(element)
        return out

    def picture(self, png: bytes | None, box_w: int, box_h: int, alt: str) -> str:
        """A run holding ``png`` scaled to fit ``box_w`` x ``box_h`` twips, its aspect ratio kept ("" for None)."""
        if png is None:
            return run("no image", italic=True, color="8C959F", size=8)
        key = hashlib.sha1(png).digest()
        if key not in self._images:
            from docx.image.image import Image
            from docx.opc.constants import RELATIONSHIP_TYPE
            from docx.opc.packuri import PackURI
            from docx.parts.image import ImagePart

            image = Image.from_blob(png)
            part = ImagePart.from_image(image, PackURI(f"/word/media/picture{len(self._images) + 1}.{image.ext}"))
            self._images[key] = (self.relate(part, RELATIONSHIP_TYPE.IMAGE), image.px_width, image.px_height)
        rid, width, height = self._images[key]
        scale = min(box_w / max(width, 1), box_h / max(height, 1))
        cx, cy = round(width * scale * EMU_PER_TWIP), round(height * scale * EMU_PER_TWIP)
        n = next(self._ids)
        name = text(alt)[:200]
        return (f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
                f'<wp:docPr id="{n}" name="Picture {n}" descr="{name}"/><wp:cNvGraphicFramePr>'
                f'<a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData '
                f'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr>'
                f'<pic:cNvPr id="{n}" name="image{n}.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill>'
                f'<a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>'
                f'<a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
                f"</a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>")

    def link(self, label: str, url: str | None, *, keep: bool = True, bold: bool = False) -> str:
        """``label`` linked to ``url`` (a public record), or plain when there is none."""
        if not url:
            return run(label, keep=keep, bold=bold)
        from docx.opc.constants import RELATIONSHIP_TYPE

        if url not in self._links:
            self._links[url] = self.relate(url, RELATIONSHIP_TYPE.HYPERLINK, external=True)
        inner = run(label, keep=keep, bold=bold, color="0550AE", underline=True)
        return f'<w:hyperlink r:id="{self._links[url]}">{inner}</w:hyperlink>'
