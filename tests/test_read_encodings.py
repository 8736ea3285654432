"""Encodings are detected, not assumed; a declaration (BOM, meta tag, front matter) wins over a guess.
Every input is made here, byte by byte."""

from __future__ import annotations

import codecs

import pytest

from briefs.reader import read_paths

SIMPLIFIED = (
    "国家药监局发布药品安全专项整治通知\n"
    "发布时间：2022-02-11\n"
    "国家药监局近日部署药品安全专项整治行动，严厉打击制售假药劣药、违法生产中药饮片、网络非法销售等违法行为。"
    "各级药品监管部门要加强日常监管，确保整治工作取得实效。\n"
)
TRADITIONAL = (
    "國家藥監局發布藥品安全專項整治通知\n"
    "發布時間：2022-02-11\n"
    "國家藥監局近日部署藥品安全專項整治行動，嚴厲打擊製售假藥劣藥、違法生產中藥飲片、網絡非法銷售等違法行為。"
    "各級藥品監管部門要加強日常監管，確保整治工作取得實效。\n"
)
BODY_START = {SIMPLIFIED: "国家药监局近日部署", TRADITIONAL: "國家藥監局近日部署"}
RARE = "𠮷"  # outside GBK: needs GB18030's four-byte sequences


def _read(tmp_path, name: str, data: bytes, settings):
    path = tmp_path / name
    path.write_bytes(data)
    result = read_paths([path], settings)
    assert result.problems == [], result.problems
    [document] = result.documents
    return document


@pytest.mark.parametrize(
    ("text", "raw", "codec"),
    [
        (SIMPLIFIED, SIMPLIFIED.encode("utf-8"), "utf-8"),
        (SIMPLIFIED, codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), "utf-8"),
        (SIMPLIFIED, SIMPLIFIED.encode("gb18030"), "gb18030"),
        (SIMPLIFIED, SIMPLIFIED.encode("gbk"), "gb18030"),
        (TRADITIONAL, TRADITIONAL.encode("big5"), "big5hkscs"),
        (SIMPLIFIED, SIMPLIFIED.encode("utf-16"), "utf-16"),
        (SIMPLIFIED, SIMPLIFIED.encode("utf-16-le"), "utf-16-le"),
        (TRADITIONAL, TRADITIONAL.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=[
        "utf-8 without a BOM is read",
        "utf-8 with a BOM is read and the BOM dropped",
        "gb18030 is detected",
        "gbk is detected and decoded as gb18030",
        "big5 Traditional is detected",
        "utf-16 with a BOM is read",
        "utf-16-le without a BOM is recognised by its zero bytes",
        "utf-16-be without a BOM is recognised by its zero bytes",
    ],
)
def test_encoding_is_detected(tmp_path, reader_settings, text, raw, codec):
    document = _read(tmp_path, "page.txt", raw, reader_settings)
    assert document.encoding == codec
    assert document.text.startswith(BODY_START[text])
    assert document.text.endswith("確保整治工作取得實效。" if text is TRADITIONAL else "确保整治工作取得实效。")
    assert document.date.isoformat() == "2022-02-11"
    assert "\ufeff" not in document.text


def test_gb18030_four_byte_characters_survive(tmp_path, reader_settings):
    text = SIMPLIFIED.replace("近日部署", f"近日{RARE}部署")
    document = _read(tmp_path, "page.txt", text.encode("gb18030"), reader_settings)
    assert RARE in document.text


def test_declared_meta_charset_wins_over_a_guess(tmp_path, reader_settings):
    """Big5 bytes that also decode as GB18030: only the declaration says which is right."""
    html = (
        "<html><head><meta charset='big5'><title>國家藥監局通知</title></head><body><article>"
        f"<h1>國家藥監局通知</h1><p>{TRADITIONAL.splitlines()[2]}</p></article></body></html>"
    )
    document = _read(tmp_path, "page.html", html.encode("big5"), reader_settings)
    assert document.encoding == "big5hkscs"
    assert document.text.startswith("國家藥監局近日部署")


def test_declared_gb2312_is_decoded_as_gb18030(tmp_path, reader_settings):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
        f"<p>{SIMPLIFIED.splitlines()[2].replace('近日', RARE)}</p></body></html>"
    )
    document = _read(tmp_path, "page.htm", html.encode("gb18030"), reader_settings)
    assert document.encoding == "gb18030"
    assert RARE in document.text


def test_front_matter_charset_declaration_wins(tmp_path, reader_settings):
    text = "---\ntitle: 通知\ncharset: big5\ndate: 2022-02-11\n---\n" + TRADITIONAL.splitlines()[2] + "\n"
    document = _read(tmp_path, "post.md", text.encode("big5"), reader_settings)
    assert document.encoding == "big5hkscs"
    assert document.title == "通知"


def test_a_wrong_declaration_falls_back_to_detection_and_says_so(tmp_path, reader_settings):
    html = f"<html><head><meta charset='utf-8'></head><body><p>{SIMPLIFIED.splitlines()[2]}</p></body></html>"
    document = _read(tmp_path, "page.html", html.encode("gb18030"), reader_settings)
    assert document.text.startswith("国家药监局近日部署")
    assert any("declared charset 'utf-8' does not decode" in p and "page.html" in p for p in document.problems)


def test_short_gbk_line_is_not_mistaken_for_korean(tmp_path, reader_settings):
    document = _read(
        tmp_path, "short.txt", "国家药监局召开专项整治会议，部署下一步工作。".encode("gbk"), reader_settings
    )
    assert document.text == "国家药监局召开专项整治会议，部署下一步工作。"
