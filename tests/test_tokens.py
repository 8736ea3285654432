"""Offline tiktoken: the encoding follows the model, and a file with the wrong sha256 never loads."""

from __future__ import annotations

import bisect
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs.errors import ConfigError
from briefs.tokens import count_tokens, encoding_for, line_starts, load_ranks, splits_at_line_starts, token_ends


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-4o", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("qwen2.5:7b", "o200k_base"),
    ],
    ids=[
        "gpt-4.1-mini uses o200k",
        "gpt-4o uses o200k",
        "gpt-4 uses cl100k",
        "gpt-3.5 uses cl100k",
        "an unknown local model gets the default o200k",
    ],
)
def test_encoding_follows_the_model(model, name):
    assert encoding_for(model).name == name


def test_encoding_is_cached_and_counts_like_tiktoken():
    assert encoding_for("gpt-4.1-mini") is encoding_for("gpt-5")
    assert count_tokens("国家药监局<|endoftext|>", encoding_for("gpt-4.1-mini")) > 3  # special text is plain text


def test_a_file_with_the_wrong_sha256_is_refused(tmp_path):
    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(b"IQ== 0\n")
    with pytest.raises(ConfigError, match="does not match the expected"):
        load_ranks(bad, "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d")


def test_an_encoding_briefs_does_not_ship_is_a_config_error():
    with pytest.raises(ConfigError, match="not shipped"):
        encoding_for("gpt-4.1-mini", "p50k_base")


# Characters that sit at the edges of the pre-tokenizer's pieces: newlines and other blanks, the
# slash o200k glues to newlines, apostrophes of English contractions, digits, marks, Han, punctuation.
_BLANKS = ["\n", "\n", "\r", " ", "\t", "\u3000", "\u00a0", "\u2028", "\x1c"]
_WORDS = ["/", "'", "s", "t", "ll", "A", "b", "Zé", "\u0301", "7", "2022", "_", "-", "(", "\U0001f600"]
_HAN = ["药", "品", "第", "一", "。", "，", "“", "”", "："]
_EDGY = st.lists(st.sampled_from(_BLANKS + _WORDS + _HAN), max_size=60).map("".join)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
@settings(max_examples=300, deadline=None)
@given(text=_EDGY)
def test_a_stretch_between_line_starts_has_the_tokens_the_whole_text_has_there(name, text):
    encoding = encoding_for("any", name)
    assert splits_at_line_starts(encoding)
    ends = token_ends(text, encoding)
    cuts = [0, *line_starts(text), len(text)]
    for start, end in itertools.combinations(cuts, 2):
        low, high = len(text[:start].encode()), len(text[:end].encode())
        read_off = bisect.bisect_right(ends, high) - bisect.bisect_right(ends, low)
        assert read_off == count_tokens(text[start:end], encoding), (start, end)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
@settings(max_examples=200, deadline=None)
@given(text=_EDGY)
def test_token_ends_are_the_running_byte_lengths_of_the_tokens(name, text):
    # empty, one-token and two-token texts too: the gather has its own path for them
    encoding = encoding_for("any", name)
    tokens = encoding.encode_ordinary(text)
    expected = list(itertools.accumulate(len(encoding.decode_single_token_bytes(t)) for t in tokens))
    assert token_ends(text, encoding) == expected
    assert not expected or expected[-1] == len(text.encode("utf-8"))
