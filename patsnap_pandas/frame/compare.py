"""The three-way comparison: the registered design, the accused product and the closest prior art side by side.

Design practitioners judge a registered design against an accused product *in the light of
the prior art* (the "ordinary observer" of Egyptian Goddess v. Swisa; the EU's "informed user"
and overall impression): the three pictures side by side, the same height, each with its
label. :func:`three_way` lays three images out that way once; the reports (HTML, PDF, Excel)
and the panel's comparison view draw the same :class:`ThreeWay`:

* :meth:`ThreeWay.html` is plain markup (a table whose column widths follow the pictures'
  shapes, so the three stand at the same height at any width, in a browser and in
  WeasyPrint alike), every text escaped, images as ``data:`` URIs; its style sheet is
  :data:`THREE_WAY_CSS`;
* :meth:`ThreeWay.png` is one picture of the three with their labels, for Excel or a slide.

Pure: image bytes in, no network, no store.

Examples
--------
>>> from patsnap_pandas import samples
>>> chair = open(samples.image("armchair"), "rb").read()
>>> tw = three_way(chair, chair, None, captions=("USD900001S", "our C-100", ""),
...                facts=([("In force", "until 2036-03-02")], [], []))
>>> [p.role for p in tw.pictures], {p.height for p in tw.sizes()}
(['Registered design', 'Accused product', 'Closest prior art'], {360})
>>> '<span class="tw-nowrap">2036-03-02</span>' in tw.html(), tw.pictures[2].image is None
(True, True)
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from typing import NamedTuple

from .._html import breakable, data_uri, escape, numbers_whole
from .._validate import check_int
from ..errors import InvalidInputError
from ..imaging import encode, normalise

__all__ = ["ROLES", "THREE_WAY_CSS", "Picture", "ThreeWay", "three_way", "three_way_css"]

#: The three pictures, in the order practitioners show them.
ROLES: tuple[str, str, str] = ("Registered design", "Accused product", "Closest prior art")
#: Height of the stored pictures, in pixels (twice what a screen shows: sharp when enlarged or printed).
HEIGHT = 360
HEIGHT_RANGE = (120, 1200)
#: Shapes kept as they are: a narrower picture is padded to ``ASPECT_MIN``, a wider one to ``ASPECT_MAX``.
ASPECT_MIN, ASPECT_MAX = 0.6, 1.8
#: What a reader is asked to judge (under every comparison).
JUDGE_NOTE = ("Judge the overall impression, as the informed user (EU) or the ordinary observer familiar with "
              "the prior art (US) would: the three pictures are shown at the same height.")

#: The style of :meth:`ThreeWay.html`, rule by rule (selector, declarations). Numbers, dates and
#: codes never break (``tw-nowrap``); captions wrap inside their column.
_RULES: tuple[tuple[str, str], ...] = (
    ("table.tw", "width:100%;max-width:1200px;table-layout:fixed;border-collapse:separate;border-spacing:10px 0;"
                 "margin:0 -10px"),
    ("table.tw td", "border:none;padding:0;vertical-align:top;text-align:center;background:none"),
    ("table.tw th", "border:none;padding:0 0 4px;background:none;text-align:center;font-weight:700;font-size:1.05em"),
    ("table.tw img", "width:100%;height:auto;display:block;border:1px solid #d0d7de;background:#fff"),
    ("table.tw .tw-none", "border:1px dashed #b8c0c8;color:#57606a;aspect-ratio:1/1;display:flex;align-items:center;"
                          "justify-content:center;font-size:.92em;padding:8px"),
    ("table.tw .tw-caption", "font-weight:600;margin-top:4px;overflow-wrap:anywhere"),
    ("table.tw .tw-facts", "margin:2px 0 0;padding:0;list-style:none;font-size:.92em;color:#444c56;text-align:left"),
    ("table.tw .tw-facts li", "overflow-wrap:anywhere"),
    (".tw-nowrap", "white-space:nowrap"),
    (".tw-note", "color:#57606a;font-size:.92em;margin:6px 0 0"),
)


def three_way_css(scope: str = "") -> str:
    """The style sheet of :meth:`ThreeWay.html`, each rule inside ``scope`` (a selector) when given.

    Examples
    --------
    >>> three_way_css(".psp-panel").splitlines()[0].startswith(".psp-panel table.tw{")
    True
    """
    prefix = f"{scope} " if scope else ""
    return "\n".join(f"{prefix}{selector}{{{body}}}" for selector, body in _RULES) + "\n"


#: The style of :meth:`ThreeWay.html` in a page of its own (the reports).
THREE_WAY_CSS = three_way_css()


@dataclasses.dataclass(frozen=True)
class Picture:
    """One of the three: its role, a caption (a number, a file name), facts in words, the picture (PNG).

    ``facts`` are ``(label, words)`` pairs ("In force" -> "until 2036-03-02"); ``image`` is None
    when there is none (the layout says so in its place).

    Examples
    --------
    >>> Picture("Accused product", "our C-100", (), None).role
    'Accused product'
    """

    role: str
    caption: str
    facts: tuple[tuple[str, str], ...]
    image: bytes | None


class Size(NamedTuple):
    width: int
    height: int


@dataclasses.dataclass(frozen=True)
class ThreeWay:
    """Three pictures of the same height with their labels; see :func:`three_way`.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> lamp = open(samples.image("desk-lamp"), "rb").read()
    >>> tw = three_way(lamp, lamp, lamp, height=200)
    >>> len(tw.pictures), tw.height, tw.png()[:4]
    (3, 200, b'\\x89PNG')
    """

    pictures: tuple[Picture, Picture, Picture]
    height: int
    note: str = JUDGE_NOTE

    def sizes(self) -> list[Size]:
        """Each picture's size in pixels (a missing one counts as a square of the common height)."""
        return [_size(p.image) if p.image else Size(self.height, self.height) for p in self.pictures]

    def html(self) -> str:
        """The three side by side as a table (style: :data:`THREE_WAY_CSS`); every text escaped.

        The columns' widths follow the pictures' widths, so at any page width the three are
        drawn at the same height.
        """
        widths = [s.width for s in self.sizes()]
        total = sum(widths)
        cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in widths)
        head = "".join(f'<th scope="col">{escape(p.role)}</th>' for p in self.pictures)
        cells = "".join(f"<td>{_cell(p)}</td>" for p in self.pictures)
        return (f'<table class="tw"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
                f'<tbody><tr>{cells}</tr></tbody></table><p class="tw-note">{escape(self.note)}</p>')

    def png(self, gutter: int = 24) -> bytes:
        """One PNG of the three with their roles above and captions below (for Excel or a slide)."""
        from PIL import Image, ImageDraw, ImageFont

        sizes = self.sizes()
        points = max(12, self.height // 16)
        font = ImageFont.load_default(size=points)
        line = int(points * 1.5)
        width = sum(s.width for s in sizes) + gutter * 4
        canvas = Image.new("RGB", (width, self.height + 2 * line + gutter * 2), "white")
        draw = ImageDraw.Draw(canvas)
        x = gutter
        for picture, size in zip(self.pictures, sizes, strict=True):
            draw.text((x, gutter // 2), picture.role, fill=(27, 31, 36), font=font)
            top = gutter // 2 + line
            if picture.image:
                with Image.open(io.BytesIO(picture.image)) as im:
                    canvas.paste(im.convert("RGB"), (x, top))
            else:
                draw.rectangle((x, top, x + size.width - 1, top + self.height - 1), outline=(184, 192, 200))
                draw.text((x + 8, top + 8), "no image", fill=(87, 96, 106), font=font)
            draw.rectangle((x - 1, top - 1, x + size.width, top + self.height), outline=(208, 215, 222))
            caption = picture.caption if draw.textlength(picture.caption, font=font) <= size.width else \
                _fit(draw, picture.caption, font, size.width)
            draw.text((x, top + self.height + 6), caption, fill=(68, 76, 86), font=font)
            x += size.width + gutter
        return encode(canvas, "PNG")


def three_way(registered: bytes | None, accused: bytes | None, prior_art: bytes | None, *,
              captions: Sequence[str] = ("", "", ""),
              facts: Sequence[Sequence[tuple[str, str]]] = ((), (), ()),
              height: int = HEIGHT) -> ThreeWay:
    """Lay out the registered design, the accused product and the closest prior art at the same height.

    Parameters
    ----------
    registered, accused, prior_art : bytes or None
        The three images (PNG, JPEG, any format Pillow reads); None or unreadable bytes: "no image".
    captions : three str
        Under each picture: the design's number, the product's name or file.
    facts : three sequences of (label, words)
        Under each caption, e.g. ``[("In force", "until 2036-03-02"), ("Filed", "2021-03-02")]``.
    height : int
        The pictures' common height in pixels, 120..1200. Each is scaled to it (a very narrow or
        very wide one is padded with white, so that no column is a sliver).

    Returns
    -------
    ThreeWay

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> chair = open(samples.image("armchair"), "rb").read()
    >>> [s.height for s in three_way(chair, b"not an image", chair, height=240).sizes()]
    [240, 240, 240]
    """
    check_int(height, "height", *HEIGHT_RANGE)
    roles_given = (registered, accused, prior_art)
    if len(captions) != 3 or len(facts) != 3:
        raise InvalidInputError(f"captions and facts are not valid: expected three of each (one per picture), "
                                f"got {len(captions)} and {len(facts)}.")
    pictures = tuple(Picture(role, str(caption or ""), tuple((str(k), str(v)) for k, v in fact),
                             _scaled(image, height))
                     for role, caption, fact, image in zip(ROLES, captions, facts, roles_given, strict=True))
    return ThreeWay(pictures, height)  # type: ignore[arg-type]  # three, by zip over ROLES


# --- pieces ------------------------------------------------------------------------------------------


def _scaled(data: bytes | None, height: int) -> bytes | None:
    """``data`` as a PNG of exactly ``height`` pixels, its width within the aspect bounds; None if unreadable."""
    if not data:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            im, _ = normalise(opened)
    except Exception:  # noqa: BLE001 - any unreadable image is shown as "no image"
        return None
    im = im.convert("RGB")
    aspect = im.width / max(1, im.height)
    box = Size(round(height * min(max(aspect, ASPECT_MIN), ASPECT_MAX)), height)
    scale = min(box.width / im.width, box.height / im.height)
    fitted = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", box, "white")
    canvas.paste(fitted, ((box.width - fitted.width) // 2, (box.height - fitted.height) // 2))
    return encode(canvas, "PNG")


def _size(png: bytes) -> Size:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return Size(*im.size)


def _fit(draw: object, text: str, font: object, width: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    while text and draw.textlength(text + "\u2026", font=font) > width:  # type: ignore[attr-defined]
        text = text[:-1]
    return text + "\u2026"


def _cell(picture: Picture) -> str:
    if picture.image:
        image = f'<img src="{data_uri(picture.image)}" alt="{escape(picture.role)}: {escape(picture.caption)}">'
    else:
        image = f'<div class="tw-none">no image of the {escape(picture.role.lower())}</div>'
    caption = f'<div class="tw-caption">{breakable(picture.caption)}</div>' if picture.caption else ""
    facts = "".join(f'<li>{breakable(label)}: {numbers_whole(value, "tw-nowrap")}</li>'
                    for label, value in picture.facts)
    return image + caption + (f'<ul class="tw-facts">{facts}</ul>' if facts else "")
