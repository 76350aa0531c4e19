"""Fax pages for tests: a multi-page TIFF-F as a fax machine sends it (1728 pixels wide,
204x98 dpi, T.6), each page with its number drawn large."""

from __future__ import annotations

from pathlib import Path

WIDTH = 1728  # A4/letter at 204 dpi: the only width every fax machine takes
HEIGHT = 1100  # about 280 mm at 98 dpi (standard resolution)


def make_tiff(path: Path, pages: int) -> Path:
    from PIL import Image, ImageDraw

    images = []
    for n in range(1, pages + 1):
        img = Image.new("1", (WIDTH, HEIGHT), 1)
        draw = ImageDraw.Draw(img)
        draw.rectangle((100, 50, WIDTH - 100, 150), outline=0, width=8)
        for i in range(n):  # one bar per page number: pages differ, and are easy to tell apart
            draw.rectangle((200 + i * 200, 300, 300 + i * 200, 700), fill=0)
        images.append(img)
    images[0].save(path, save_all=True, append_images=images[1:], compression="group4", dpi=(204, 98))
    return path
