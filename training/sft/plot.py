"""A loss curve as a PNG, drawn with the standard library (zlib + struct): no plotting dependency.

Train loss in blue, eval loss in orange, a light grid at quarter heights,
the y axis from 0 to the largest loss. Labels (steps, losses) are in
train_log.jsonl and the model card; the picture shows the shape.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

WIDTH, HEIGHT, MARGIN = 640, 360, 24
WHITE, GRID, AXIS = (255, 255, 255), (225, 228, 232), (90, 96, 104)
BLUE, ORANGE = (59, 111, 182), (230, 126, 34)


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(WHITE) * width * height)

    def dot(self, x: int, y: int, colour: tuple[int, int, int]) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = 3 * (y * self.width + x)
            self.pixels[i : i + 3] = bytes(colour)

    def line(self, a: tuple[int, int], b: tuple[int, int], colour: tuple[int, int, int], thick: int = 1) -> None:
        """Bresenham's line, `thick` pixels wide."""
        (x0, y0), (x1, y1) = a, b
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            for ox in range(thick):
                for oy in range(thick):
                    self.dot(x0 + ox, y0 + oy, colour)
            if (x0, y0) == (x1, y1):
                return
            double = 2 * error
            if double >= dy:
                error, x0 = error + dy, x0 + sx
            if double <= dx:
                error, y0 = error + dx, y0 + sy

    def png(self) -> bytes:
        rows = b"".join(
            b"\x00" + bytes(self.pixels[3 * y * self.width : 3 * (y + 1) * self.width]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def loss_png(train: Sequence[tuple[float, float]], evals: Sequence[tuple[float, float]] = ()) -> bytes:
    """The PNG bytes of train (and eval) loss against step."""
    canvas = Canvas(WIDTH, HEIGHT)
    points = [*train, *evals]
    last_step = max(s for s, _ in points) or 1
    top = max(loss for _, loss in points) or 1.0

    def at(step: float, loss: float) -> tuple[int, int]:
        x = MARGIN + round(step / last_step * (WIDTH - 2 * MARGIN))
        y = HEIGHT - MARGIN - round(loss / top * (HEIGHT - 2 * MARGIN))
        return x, y

    for quarter in (1, 2, 3, 4):
        y = HEIGHT - MARGIN - round(quarter / 4 * (HEIGHT - 2 * MARGIN))
        canvas.line((MARGIN, y), (WIDTH - MARGIN, y), GRID)
    canvas.line((MARGIN, HEIGHT - MARGIN), (WIDTH - MARGIN, HEIGHT - MARGIN), AXIS)
    canvas.line((MARGIN, MARGIN), (MARGIN, HEIGHT - MARGIN), AXIS)
    for series, colour in ((train, BLUE), (evals, ORANGE)):
        coords = [at(s, loss) for s, loss in series]
        for a, b in zip(coords, coords[1:], strict=False):
            canvas.line(a, b, colour, thick=2)
        for x, y in coords if len(coords) == 1 else ():
            canvas.line((x - 2, y), (x + 2, y), colour, thick=2)
    return canvas.png()
