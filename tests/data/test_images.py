"""Query-image preparation: every input kind, conversions, the size cap, determinism, bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw

from patsnap_pandas import codes, errors
from patsnap_pandas.api.images import ImageSizeWarning, PreparedImage, prepare_image, query_label
from patsnap_pandas.errors import ImageInputError


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def decode(p: PreparedImage) -> Image.Image:
    im = Image.open(io.BytesIO(p.data))
    im.load()
    return im


def line_art(size=(120, 80), mode="L") -> Image.Image:
    im = Image.new(mode, size, "white")
    d = ImageDraw.Draw(im)
    d.rectangle((10, 10, size[0] - 10, size[1] - 10), outline="black", width=2)
    d.line((10, 10, size[0] - 10, size[1] - 10), fill="black", width=1)
    return im


def photo(size=(96, 64), seed=0) -> Image.Image:
    """Smooth gradients plus noise: thousands of colours, like a photograph."""
    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (w + h) + 60], axis=2)
    a = np.clip(a + rng.normal(0, 12, a.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(a)


def assert_valid(p: PreparedImage, *, mime: str | None = None, size=None) -> Image.Image:
    assert isinstance(p, PreparedImage)
    assert 0 < len(p.data) <= codes.UPLOAD_MAX_BYTES
    assert p.sha256 == hashlib.sha256(p.data).hexdigest()
    ext = {"image/png": "png", "image/jpeg": "jpg"}[p.mime]
    assert p.filename == f"{p.sha256[:16]}.{ext}"
    im = decode(p)
    assert im.format == {"image/png": "PNG", "image/jpeg": "JPEG"}[p.mime]
    assert (im.width, im.height) == (p.width, p.height)
    if mime:
        assert p.mime == mime
    if size:
        assert im.size == size
    assert "exif" not in im.info and "icc_profile" not in im.info and "comment" not in im.info
    assert not getattr(im, "text", {})
    return im


# --- every input kind --------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://example.com/chair.jpg",
    "http://127.0.0.1:8000/files/a.png?expires=1&signature=abc",
    "HTTPS://EXAMPLE.COM/X.PNG",
])
def test_http_urls_are_returned_unchanged(url):
    assert prepare_image(url) is url
    assert query_label(url) == url
    assert prepare_image(url, label="mine") == url


def test_path_str_and_pathlib(tmp_path):
    f = tmp_path / "chair-7.png"
    f.write_bytes(encode(line_art(), "PNG"))
    for value in (str(f), f):
        p = prepare_image(value)
        assert_valid(p, mime="image/png", size=(120, 80))
        assert p.label == "chair-7.png" == query_label(value)
    assert prepare_image(f, label="Chair seven").label == "Chair seven"


def test_existing_file_with_a_colon_in_its_name_is_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shot:1.png").write_bytes(encode(line_art(), "PNG"))
    assert prepare_image("shot:1.png").label == "shot:1.png"


def test_path_with_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "q.png").write_bytes(encode(line_art(), "PNG"))
    assert prepare_image("~/q.png").label == "q.png"


def test_bytes_bytearray_memoryview():
    data = encode(line_art(), "PNG")
    expected = "bytes:" + hashlib.sha256(data).hexdigest()[:8]
    results = [prepare_image(v) for v in (data, bytearray(data), memoryview(data))]
    for p in results:
        assert_valid(p, mime="image/png")
        assert p.label == expected
    assert query_label(data) == expected
    assert len({p.data for p in results}) == 1


def test_binary_file_objects(tmp_path):
    data = encode(line_art(), "PNG")
    bio = io.BytesIO(b"junk" + data)
    bio.seek(4)  # read from the current position
    p = prepare_image(bio)
    assert_valid(p, mime="image/png")
    assert p.label == "bytes:" + hashlib.sha256(data).hexdigest()[:8]
    f = tmp_path / "drawing.png"
    f.write_bytes(data)
    with open(f, "rb") as fh:
        assert query_label(fh) == "drawing.png"
        p2 = prepare_image(fh)
        assert not fh.closed  # the caller's file stays the caller's
    assert p2.label == "drawing.png" and p2.data == p.data


def test_query_label_of_a_nameless_stream_does_not_consume_it():
    data = encode(line_art(), "PNG")
    bio = io.BytesIO(data)
    assert query_label(bio) == "bytes:" + hashlib.sha256(data).hexdigest()[:8]
    assert bio.tell() == 0


def test_pil_image_is_not_modified():
    im = line_art(mode="RGB")
    before = im.tobytes()
    p = prepare_image(im)
    assert_valid(p, mime="image/png", size=im.size)
    assert im.tobytes() == before and im.mode == "RGB"
    assert p.label.startswith("image:") and len(p.label) == len("image:") + 8
    assert query_label(im) == p.label


@pytest.mark.parametrize("make, mode", [
    (lambda: np.full((20, 30), 200, np.uint8), "L"),
    (lambda: np.dstack([np.full((20, 30), v, np.uint8) for v in (10, 120, 250)]), "RGB"),
    (lambda: np.full((20, 30, 1), 77, np.uint8), "L"),
    (lambda: np.full((20, 30), 51400, np.uint16), "L"),
    (lambda: np.full((20, 30, 3), 51400, np.uint16), "RGB"),
    (lambda: np.eye(20, 30, dtype=bool), "1"),
    (lambda: np.dstack([np.eye(20, 30, dtype=bool)] * 3), "RGB"),
    (lambda: np.full((20, 30), 0.5, np.float32), "L"),
    (lambda: np.full((20, 30, 3), 1.0, np.float64), "RGB"),
])
def test_numpy_arrays_of_each_dtype(make, mode):
    a = make()
    p = prepare_image(a)
    im = assert_valid(p, mime="image/png", size=(30, 20))
    assert im.mode == mode
    assert p.label.startswith("image:")


def test_numpy_values_are_scaled_to_8_bit():
    assert np.asarray(decode(prepare_image(np.full((4, 4), 51400, np.uint16))))[0, 0] == 51400 >> 8
    assert np.asarray(decode(prepare_image(np.full((4, 4), 0.5, np.float32))))[0, 0] == 128
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 255  # fully transparent red -> white
    assert np.asarray(decode(prepare_image(rgba)))[0, 0].tolist() == [255, 255, 255]


def test_non_contiguous_array_is_accepted():
    a = np.arange(40 * 60, dtype=np.uint8).reshape(40, 60)[::2, ::3]
    assert decode(prepare_image(a)).size == (20, 20)


# --- real drawings -----------------------------------------------------------------


def test_real_tiff_drawings_convert_losslessly_and_small(real_designs):
    root = real_designs
    rows = list(csv.DictReader(open(root / "manifest.csv", newline="")))
    by_pixels = sorted(rows, key=lambda r: -int(r["width"]) * int(r["height"]))
    by_bytes = sorted(rows, key=lambda r: -(root / r["file"]).stat().st_size)
    sample = {r["file"]: r for r in by_pixels[:4] + by_bytes[:3] + rows[:: max(1, len(rows) // 8)]}
    assert max(int(r["width"]) for r in sample.values()) > 5000
    for name, row in sample.items():
        path = root / name
        p = prepare_image(path)
        im = assert_valid(p, mime="image/png", size=(int(row["width"]), int(row["height"])))
        assert im.mode == "1"  # bilevel stays bilevel: small and crisp
        assert len(p.data) < 400_000, f"{name}: {len(p.data)} bytes"
        assert p.label == path.name
        src = Image.open(path)
        assert src.format == "TIFF" and src.mode == "1"
        assert np.array_equal(np.asarray(im), np.asarray(src))  # lossless


# --- conversions -------------------------------------------------------------------


def test_exif_rotated_jpeg_is_turned_upright(tmp_path):
    im = photo((80, 40))
    a = np.asarray(im).copy()
    a[:10, :10] = (255, 0, 0)  # red block in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    f = tmp_path / "phone.jpg"
    Image.fromarray(a).save(f, "JPEG", quality=95, exif=exif.tobytes())
    p = prepare_image(f)
    out = assert_valid(p, mime="image/jpeg", size=(40, 80))
    r, g, b = np.asarray(out)[3, 36].tolist()  # displayed top-right
    assert r > 200 and g < 60 and b < 60


def test_webp_bmp_tiff_become_png_or_jpeg():
    art, pic = line_art(mode="RGB"), photo()
    cases = [
        (encode(art, "WEBP", lossless=True), "image/png"),
        (encode(pic, "WEBP", quality=90), "image/jpeg"),
        (encode(art, "BMP"), "image/png"),
        (encode(pic, "BMP"), "image/jpeg"),
        (encode(pic, "TIFF", compression="tiff_lzw"), "image/jpeg"),
        (encode(art.convert("L"), "TIFF"), "image/png"),
    ]
    for data, mime in cases:
        assert_valid(prepare_image(data), mime=mime, size=art.size if mime == "image/png" else pic.size)


def test_animated_gif_uses_its_first_frame():
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(buf.getvalue())).n_frames == 3
    out = assert_valid(prepare_image(buf.getvalue()), mime="image/png", size=(32, 32))
    assert out.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_one_bit_stays_one_bit_png():
    im = line_art(mode="1")
    out = assert_valid(prepare_image(encode(im, "TIFF", compression="group4")), mime="image/png")
    assert out.mode == "1"
    assert np.array_equal(np.asarray(out), np.asarray(im))


def test_sixteen_bit_grayscale_becomes_8_bit(tmp_path):
    a = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
    for fmt in ("PNG", "TIFF"):
        f = tmp_path / f"deep.{fmt.lower()}"
        Image.fromarray(a).save(f, fmt)
        assert Image.open(f).mode.startswith("I")  # "I;16" (Pillow >= 10.1 for PNG) or "I"
        out = assert_valid(prepare_image(f), mime="image/png", size=(64, 64))
        assert out.mode == "L"
        assert np.array_equal(np.asarray(out), (a >> 8).astype(np.uint8))


def test_cmyk_becomes_rgb():
    cmyk = photo().convert("CMYK")
    for data in (encode(cmyk, "JPEG", quality=95), encode(cmyk, "TIFF")):
        assert Image.open(io.BytesIO(data)).mode == "CMYK"
        out = assert_valid(prepare_image(data), mime="image/jpeg", size=cmyk.size)
        assert out.mode == "RGB"
    flat = Image.new("CMYK", (20, 20), (0, 255, 255, 0))  # pure red ink
    out = assert_valid(prepare_image(flat), mime="image/png")
    assert out.mode == "RGB" and out.getpixel((3, 3)) == (255, 0, 0)


def test_alpha_is_flattened_on_white():
    rgba = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((10, 10, 20, 20), fill=(0, 128, 0, 255))
    out = assert_valid(prepare_image(encode(rgba, "PNG")), mime="image/png", size=(40, 30))
    assert out.mode == "RGB"
    assert out.getpixel((0, 0)) == (255, 255, 255) and out.getpixel((15, 15)) == (0, 128, 0)
    la = Image.new("LA", (10, 10), (0, 0))
    out = assert_valid(prepare_image(la), mime="image/png")
    assert out.mode == "L" and out.getpixel((1, 1)) == 255
    half = Image.new("RGBA", (10, 10), (0, 0, 0, 128))
    assert decode(prepare_image(half)).getpixel((1, 1)) == (127, 127, 127)
    # a photo with an alpha channel is flattened too (and stays PNG)
    pic = photo().convert("RGBA")
    assert_valid(prepare_image(pic), mime="image/png")


def test_palette_with_transparency_is_flattened():
    p = Image.new("P", (16, 16), 0)
    p.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    ImageDraw.Draw(p).rectangle((4, 4, 11, 11), fill=1)
    data = encode(p, "GIF", transparency=0)
    out = assert_valid(prepare_image(data), mime="image/png")
    assert out.getpixel((0, 0)) == (255, 255, 255) and out.getpixel((6, 6)) == (255, 0, 0)


def test_format_rule_png_for_few_colours_jpeg_for_photos():
    assert prepare_image(line_art(mode="RGB")).mime == "image/png"
    assert prepare_image(line_art(mode="L")).mime == "image/png"
    assert prepare_image(photo()).mime == "image/jpeg"
    assert prepare_image(photo().convert("L")).mime == "image/png"  # grayscale: always PNG


def test_metadata_never_reaches_the_upload(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x010E] = "taken at 51.5N 0.1W"  # image description
    icc = b"\0" * 128
    data = encode(photo(), "JPEG", quality=95, exif=exif.tobytes(), icc_profile=icc, comment=b"hello")
    p = prepare_image(data)
    assert b"SecretCam" not in p.data and b"51.5N" not in p.data and b"hello" not in p.data
    assert_valid(p)
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone")
    png = encode(line_art(), "PNG", pnginfo=info, dpi=(300, 300))
    assert b"Someone" not in prepare_image(png).data


# --- size cap ----------------------------------------------------------------------


def test_ten_megabyte_photo_is_shrunk_under_4_mb_with_a_warning():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (1900, 1900, 3), dtype=np.uint8)
    data = encode(Image.fromarray(a), "PNG", compress_level=1)
    assert len(data) > 10 * 10**6
    with pytest.warns(ImageSizeWarning) as record:
        p = prepare_image(data)
    assert len(record) == 1
    msg = str(record[0].message)
    assert issubclass(ImageSizeWarning, UserWarning)
    assert len(p.data) <= codes.UPLOAD_MAX_BYTES
    assert f"was {len(data) / 2**20:.1f} MB" in msg and f"now {len(p.data) / 2**20:.1f} MB" in msg
    assert "4.0 MB upload limit" in msg and p.label in msg


def test_png_over_the_limit_is_downscaled_with_a_warning():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (2200, 2200), dtype=np.uint8)  # noise: PNG cannot compress it
    with pytest.warns(ImageSizeWarning, match=r"over the 4\.0 MB upload limit: downscaled, now") as record:
        p = prepare_image(a)
    assert len(record) == 1
    assert p.mime == "image/png" and len(p.data) <= codes.UPLOAD_MAX_BYTES
    assert p.width < 2200 and p.width == p.height
    assert "2200x2200 px" in str(record[0].message) and f"{p.width}x{p.height} px PNG" in str(record[0].message)


def test_small_images_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_image(photo())
        prepare_image(line_art())


# --- determinism -------------------------------------------------------------------


def test_same_pixels_give_same_bytes_whatever_the_container(tmp_path):
    art = line_art(mode="RGB")
    f = tmp_path / "art.png"
    art.save(f)
    variants = [f, str(f), f.read_bytes(), io.BytesIO(f.read_bytes()), Image.open(f), art,
                np.asarray(art), encode(art, "BMP"), encode(art, "TIFF"), encode(art, "WEBP", lossless=True)]
    digests = {prepare_image(v).sha256 for v in variants}
    assert len(digests) == 1


def test_jpeg_photo_is_deterministic_across_containers():
    data = encode(photo(), "JPEG", quality=92)
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    outs = [prepare_image(data), prepare_image(decoded), prepare_image(np.asarray(decoded)),
            prepare_image(encode(decoded, "PNG"))]
    assert len({o.data for o in outs}) == 1
    assert outs[0].mime == "image/jpeg"


def test_bilevel_and_16_bit_arrays_match_their_files():
    art = line_art(mode="1")
    assert prepare_image(np.asarray(art)).data == prepare_image(encode(art, "TIFF", compression="group4")).data
    a = (np.arange(32 * 32, dtype=np.uint32).reshape(32, 32) * 60).astype(np.uint16)
    assert prepare_image(a).data == prepare_image(encode(Image.fromarray(a), "PNG")).data


def test_preparing_twice_gives_identical_results():
    a, b = prepare_image(photo(seed=3)), prepare_image(photo(seed=3))
    assert a == b
    assert "data" not in repr(a)  # the bytes stay out of reprs


# --- bad input ---------------------------------------------------------------------

ALLOWED = "image must be an http(s) URL, a path to an image file"


def bad(value, *fragments, **kwargs):
    with pytest.raises(ImageInputError) as info:
        prepare_image(value, **kwargs)
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    return info.value


def test_image_input_error_is_the_package_error():
    assert ImageInputError is errors.ImageInputError
    assert issubclass(ImageInputError, errors.InvalidInputError)
    assert issubclass(ImageInputError, ValueError)


@pytest.mark.parametrize("url, scheme", [
    ("file:///etc/passwd", "file:"), ("ftp://example.com/a.png", "ftp:"),
    ("data:image/png;base64,iVBORw0KGgo=", "data:"), ("javascript:alert(1)", "javascript:"),
    ("JavaScript:alert(1)", "javascript:"), ("s3://bucket/key.png", "s3:"),
])
def test_other_url_schemes_are_refused(url, scheme):
    err = bad(url, f"image={url!r}", f"uses the {scheme} scheme", "only http:// and https:// URLs", ALLOWED)
    assert err.parameter == "image" and err.value == repr(url)
    with pytest.raises(ImageInputError):
        query_label(url)


def test_url_without_host_is_refused():
    bad("http:///chair.png", "image='http:///chair.png'", "without a host", ALLOWED)


def test_missing_file_and_directory(tmp_path):
    bad(str(tmp_path / "nope.png"), "nope.png", "no such file", ALLOWED)
    bad(tmp_path / "nope.png", "no such file")
    bad(tmp_path, repr(str(tmp_path)), "is a directory", ALLOWED)
    bad("", "image=''", "is empty", ALLOWED)


def test_empty_corrupt_and_non_images(tmp_path):
    bad(b"", "image=<0 bytes>", "is empty", ALLOWED)
    bad(b"hello, world", "image=<12 bytes starting b'hello, w'>", "not an image file Pillow can read", ALLOWED)
    text = tmp_path / "notes.png"
    text.write_text("not really a PNG")
    bad(text, "notes.png", "not an image file Pillow can read")
    png = encode(photo(), "PNG")
    bad(png[: len(png) // 2], "corrupt or truncated", ALLOWED)
    bad(io.BytesIO(b""), "image=<BytesIO>", "is empty")
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    bad(svg, "SVG drawing; export it as PNG first")
    corrupt = Image.open(io.BytesIO(png[: len(png) // 2]))  # lazily opened, fails on load
    bad(corrupt, "image=<PIL image mode=RGB", "cannot be decoded")


def test_text_mode_file_is_refused(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("abc")
    with open(f) as fh:
        bad(fh, "text-mode file; open it in binary mode ('rb')")


@pytest.mark.parametrize("array, fragment", [
    (np.zeros((4, 4), np.int64), "has dtype int64; allowed: uint8, uint16, bool, float in [0, 1]"),
    (np.zeros((4, 4), np.int8), "has dtype int8"),
    (np.full((4, 4), 1.5), "float array with values outside [0, 1]"),
    (np.full((4, 4), -0.1, np.float32), "outside [0, 1]"),
    (np.full((4, 4), np.nan), "outside [0, 1]"),
    (np.zeros((4, 4, 2), np.uint8), "has shape (4, 4, 2); expected HxW, HxWx3 or HxWx4"),
    (np.zeros((4,), np.uint8), "has shape (4,)"),
    (np.zeros((2, 4, 4, 3), np.uint8), "has shape (2, 4, 4, 3)"),
    (np.zeros((0, 4), np.uint8), "is empty"),
])
def test_bad_arrays(array, fragment):
    bad(array, f"image=<numpy array shape={array.shape} dtype={array.dtype}>", fragment, ALLOWED)


@pytest.mark.parametrize("value, name", [(42, "int"), (None, "NoneType"), ([1, 2], "list"), (3.5, "float")])
def test_unsupported_types(value, name):
    bad(value, f"has unsupported type {name}", ALLOWED)
    with pytest.raises(ImageInputError):
        query_label(value)


def test_long_values_are_shortened():
    url = "ftp://example.com/" + "a" * 500 + ".png"
    err = bad(url, "...", "ftp:")
    assert len(err.value) <= 80 and len(str(err)) < 500


def test_decompression_bomb_is_reported_clearly(monkeypatch):
    data = encode(Image.new("L", (100, 100), 255), "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    bad(data, "too large to decode safely", "decompression bomb", "10000 pixels", ALLOWED)


@pytest.mark.parametrize("label", ["", "   ", 5])
def test_bad_label(label):
    with pytest.raises(ImageInputError, match=r"^label=.*must be a non-empty string naming the query"):
        prepare_image(line_art(), label=label)
    with pytest.raises(ImageInputError, match=r"^label="):
        query_label("https://example.com/x.png", label)


def test_label_is_stripped_and_wins():
    assert query_label(b"whatever", label="  My chair ") == "My chair"
    assert prepare_image(np.zeros((4, 4), np.uint8), label="zeros").label == "zeros"
