"""A demo seal image: red ring, five-pointed star and the unit's name along the arc, transparent PNG.

Only for demo data; real units upload the scan of their own seal.
"""

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parent.parent / "documents" / "fonts" / "NotoSerifCJKsc-Bold-GB2312.otf"
RED = (214, 0, 0, 235)


def demo_seal_png(name, size=400):
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c, r = size / 2, size / 2 - 8
    draw.ellipse((c - r, c - r, c + r, c + r), outline=RED, width=size // 28)
    star_r = size * 0.16
    points = [(c + star_r * (1 if i % 2 == 0 else 0.38) * math.sin(math.pi * i / 5),
               c - star_r * (1 if i % 2 == 0 else 0.38) * math.cos(math.pi * i / 5)) for i in range(10)]
    draw.polygon(points, fill=RED)
    if FONT.exists():
        font_size = int(size * 0.11)
        font = ImageFont.truetype(str(FONT), font_size)
        text = name[:16]
        span = min(250.0, 20.0 * len(text))  # degrees of arc the name covers, centred on top
        for i, ch in enumerate(text):
            angle = -span / 2 + span * (i + 0.5) / len(text)
            glyph = Image.new("RGBA", (font_size * 2, font_size * 2), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((font_size, font_size), ch, font=font, fill=RED, anchor="mm")
            glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
            rad = math.radians(angle)
            gx = c + (r - font_size * 0.95) * math.sin(rad)
            gy = c - (r - font_size * 0.95) * math.cos(rad)
            img.alpha_composite(glyph, (int(gx - font_size), int(gy - font_size)))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
