"""Replacing stock prompts: the live tree Asterisk reads, laid out from stock files and uploads."""

from __future__ import annotations

import os

import pytest

from appliance.errors import Invalid, NotFound
from appliance.prompts import replacements
from tests.audio import write_tone


@pytest.fixture
def src(tmp_path):
    share = tmp_path / "usr-share-asterisk"
    (share / "sounds" / "en_US_f_Allison" / "digits").mkdir(parents=True)
    (share / "sounds" / "en").symlink_to("en_US_f_Allison")
    (share / "sounds" / "zh" / "digits").mkdir(parents=True)
    (share / "documentation").mkdir()
    for lang in ("en_US_f_Allison", "zh"):
        (share / "sounds" / lang / "vm-intro.gsm").write_bytes(b"stock " + lang.encode())
        (share / "sounds" / lang / "digits" / "8.gsm").write_bytes(b"eight")
        (share / "sounds" / lang / "digits" / "9.gsm").write_bytes(b"nine")
    own = tmp_path / "callbox-sounds"
    for lang in ("en", "zh"):
        (own / lang).mkdir(parents=True)
        (own / lang / "survey.wav").write_bytes(b"survey " + lang.encode())
    return replacements.Sources(asterisk=share, own=own, replacements=tmp_path / "data" / "sounds",
                                live=tmp_path / "data" / "sounds-live")


def test_the_live_tree_shows_the_stock_prompts(src):
    live = replacements.lay_out(src)
    assert (live / "share" / "sounds" / "en" / "vm-intro.gsm").read_bytes() == b"stock en_US_f_Allison"
    assert (live / "share" / "sounds" / "zh" / "digits" / "8.gsm").read_bytes() == b"eight"
    assert (live / "share" / "documentation").is_dir()
    assert (live / "own" / "zh" / "survey.wav").read_bytes() == b"survey zh"
    assert "digits/8" in replacements.stock(src, "zh") and "callbox/survey" in replacements.stock(src, "zh")


def test_a_replacement_takes_the_stock_prompts_place_and_reset_brings_it_back(src, tmp_path):
    replacements.lay_out(src)
    tone = write_tone(tmp_path / "tone.wav", 1000, 0.5).read_bytes()
    seconds = replacements.replace(src, "zh", "digits/8", tone)
    assert 0.4 < seconds < 0.6
    digits = src.live / "current" / "share" / "sounds" / "zh" / "digits"
    assert sorted(p.name for p in digits.iterdir()) == ["8.wav", "9.gsm"]  # the stock 8.gsm is gone
    assert (digits / "8.wav").read_bytes()[:4] == b"RIFF"
    # Asterisk reads through the symlinks: the other language and folders are untouched.
    assert (src.live / "current" / "share" / "sounds" / "en" / "digits" / "8.gsm").read_bytes() == b"eight"
    assert replacements.replaced(src, "zh") == {"digits/8"}
    assert replacements.playable(src, "zh", "digits/8").read_bytes()[:4] == b"RIFF"

    replacements.replace(src, "en", "callbox/survey", tone)
    assert (src.live / "current" / "own" / "en" / "survey.wav").read_bytes()[:4] == b"RIFF"
    assert (src.live / "current" / "own" / "zh" / "survey.wav").read_bytes() == b"survey zh"

    replacements.reset(src, "zh", "digits/8")
    assert sorted(p.name for p in digits.iterdir()) == ["8.gsm", "9.gsm"]
    assert len(list(src.live.glob("tree-*"))) == 1  # old trees are cleared away
    assert os.readlink(src.live / "current").startswith("tree-")


def test_bad_names_languages_and_files_change_nothing(src, tmp_path):
    replacements.lay_out(src)
    tone = write_tone(tmp_path / "tone.wav", 1000, 0.5).read_bytes()
    with pytest.raises(NotFound):
        replacements.replace(src, "zh", "../../etc/passwd", tone)
    with pytest.raises(NotFound):
        replacements.replace(src, "fr", "vm-intro", tone)
    with pytest.raises(NotFound):
        replacements.replace(src, "zh", "no-such-prompt", tone)
    with pytest.raises(Invalid):
        replacements.replace(src, "zh", "vm-intro", b"not audio at all")
    with pytest.raises(NotFound):
        replacements.reset(src, "zh", "vm-intro")  # not replaced
    assert replacements.replaced(src, "zh") == set()
