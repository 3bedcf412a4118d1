"""Draws the four faces of the safety and agreement scales as PNG files in forms/.

The enumerator shows these faces (very safe / quite safe / quite unsafe / very unsafe,
or strongly agree ... strongly disagree) and the respondent points to one, or a group
raises hands for each. They are drawn here, offline, with no image library: a plain
PNG writer (zlib + CRC) and a few shapes, so a rebuild gives the same bytes.

Run from the repository root: python3 forms/src/draw_faces.py
"""

import math
import struct
import zlib
from pathlib import Path

SIZE = 192
OUT = Path(__file__).resolve().parent.parent

# (file stem, fill colour, mouth curvature: +1 big smile ... -1 deep frown)
FACES = [
    ("face_very_safe", (46, 160, 67), 1.0),
    ("face_safe", (160, 200, 60), 0.45),
    ("face_unsafe", (245, 160, 40), -0.45),
    ("face_very_unsafe", (215, 50, 40), -1.0),
]
INK = (30, 30, 30)
PAPER = (255, 255, 255)


def png(width: int, height: int, pixels: list[list[tuple[int, int, int]]]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(c for px in line for c in px) for line in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def face(fill, curve) -> bytes:
    c = SIZE / 2
    r = SIZE * 0.45
    pixels = []
    for y in range(SIZE):
        line = []
        for x in range(SIZE):
            dx, dy = x + 0.5 - c, y + 0.5 - c
            d = math.hypot(dx, dy)
            colour = PAPER
            if d <= r:
                colour = fill
            if r - 6 <= d <= r:
                colour = INK
            # eyes
            for ex in (-0.35 * r, 0.35 * r):
                if math.hypot(dx - ex, dy + 0.25 * r) <= 0.11 * r:
                    colour = INK
            # mouth: a parabola whose corners rise for a smile and fall for a frown (y grows downwards)
            if abs(dx) <= 0.5 * r:
                k = curve * 0.9 / r
                mouth_y = 0.35 * r - k * (dx * dx) + curve * 0.9 * 0.25 * r
                if abs(dy - mouth_y) <= 5:
                    colour = INK
            line.append(colour)
        pixels.append(line)
    return png(SIZE, SIZE, pixels)


if __name__ == "__main__":
    for stem, fill, curve in FACES:
        path = OUT / f"{stem}.png"
        path.write_bytes(face(fill, curve))
        print(f"wrote {path}")
