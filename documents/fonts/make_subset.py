"""Subset a Noto Serif CJK SC face to GB 2312 plus the symbol blocks users type (see README.md)."""
import sys
from fontTools import subset
chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(ord(bytes([hi, lo]).decode("gb2312")))
        except UnicodeDecodeError:
            pass
ranges = [(0x20,0x7E),(0xA0,0xFF),(0x2000,0x206F),(0x2100,0x218F),(0x2190,0x21FF),(0x2200,0x22FF),
          (0x2460,0x24FF),(0x2500,0x257F),(0x25A0,0x25FF),(0x2600,0x26FF),(0x3000,0x303F),(0x3200,0x32FF),
          (0xFE30,0xFE4F),(0xFF00,0xFFEF)]
for a, b in ranges:
    chars.update(range(a, b + 1))
# usage: python make_subset.py NotoSerifCJKsc-Regular.otf NotoSerifCJKsc-Regular-GB2312.otf
src, dst = sys.argv[1], sys.argv[2]
opts = subset.Options()
opts.layout_features = ["*"]
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.notdef_outline = True
opts.glyph_names = False
opts.hinting = True
f = subset.load_font(src, opts)
s = subset.Subsetter(opts)
s.populate(unicodes=sorted(chars))
s.subset(f)
subset.save_font(f, dst, opts)
print(dst, len(chars))
