"""Certificate PDFs (fpdf2, with a bundled DejaVu font so Cyrillic names print), the QR code on
them, and the badge image of a course (Pillow, which fpdf2 already requires)."""
from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "fonts"
QR_SIZE_MM = 34          # big enough for a phone at arm's length, small enough for the corner
QR_RIGHT_MM = 277        # the QR's right edge and the caption's, inside the border
QR_TOP_MM = 146


def verify_qr(url: str) -> segno.QRCode:
    """The QR code of a certificate's verify page: a full QR (never Micro QR), error level M."""
    return segno.make(url, error="m", micro=False)


def draw_qr(pdf: FPDF, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """Draw the QR's dark modules as filled rectangles (one per run in a row): vector, sharp at
    any zoom; the white page around it is the quiet zone."""
    module = size / len(qr.matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_number, row in enumerate(qr.matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(x + start * module, y + row_number * module, (column - start) * module, module, style="F")


def certificate_pdf(holder: str, agency: str, course: str, issued: str, hours: float, code: str,
                    verify_url: str, labels: dict[str, str]) -> bytes:
    """A one-page landscape A4 certificate; `labels` holds the translated headings. A QR code
    in the lower right corner opens `verify_url`, printed under it for those who type it."""
    from fpdf import FPDF  # here, not at the top: importing fpdf2 takes 0.4 s of every start

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{labels['title']}: {course}")
    pdf.add_page()
    pdf.set_draw_color(30, 60, 110)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)

    def line(text: str, size: int, style: str = "", gap: float = 4) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_y(35)
    line(labels["title"], 30, "B", 10)
    line(labels["certifies"], 13)
    line(holder, 24, "B", 2)
    if agency:
        line(agency, 13, "", 6)
    line(labels["completed"], 13)
    line(course, 18, "B", 8)
    line(f"{labels['date']}: {issued}    {labels['hours']}: {hours:g}", 12, "", 14)
    line(f"{labels['code']}: {code}", 12, "B", 2)

    draw_qr(pdf, verify_qr(verify_url), QR_RIGHT_MM - QR_SIZE_MM, QR_TOP_MM, QR_SIZE_MM)
    pdf.set_font("DejaVu", "", 7)
    pdf.set_xy(QR_RIGHT_MM - 120, QR_TOP_MM + QR_SIZE_MM + 1.5)
    pdf.cell(120, 3.5, labels["verify"], align="R", new_x="LEFT", new_y="NEXT")
    pdf.cell(120, 3.5, verify_url, align="R", link=verify_url)
    return bytes(pdf.output())


# --- badge images -----------------------------------------------------------------------------

BADGE_SIZE = 400
# Sober colours, one chosen per course work so that badges of different courses differ.
BADGE_COLOURS = ((30, 60, 110), (22, 101, 82), (120, 38, 52), (74, 52, 120), (128, 84, 20), (38, 84, 124))


SMALL_WORDS = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "в", "для", "и", "на", "о", "по", "с"}


def initials(title: str, most: int = 3) -> str:
    """Up to three capital letters from the words of a title ("Intelligence-led policing" ->
    "ILP", "Evaluating sources and information" -> "ESI"), small words such as "and" skipped."""
    words = [word for word in title.replace("-", " ").split() if word.lower() not in SMALL_WORDS]
    letters = "".join(word[0] for word in words if word[0].isalnum())[:most].upper()
    return letters or title[:1].upper()


@lru_cache(maxsize=64)
def badge_png(work: str, title: str) -> bytes:
    """The badge image of a course work: a square PNG with transparent corners, a coloured disc,
    a white ring and the title's initials. The same work and title always give the same bytes."""
    colour = BADGE_COLOURS[int(hashlib.sha256(work.encode("utf-8")).hexdigest(), 16) % len(BADGE_COLOURS)]
    scale = 2  # drawn at twice the size and reduced: smooth edges without antialiasing support
    size = BADGE_SIZE * scale
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    margin = 8 * scale
    draw.ellipse((margin, margin, size - margin, size - margin), fill=colour + (255,))
    ring = 34 * scale
    draw.ellipse((ring, ring, size - ring, size - ring), outline=(255, 255, 255, 255), width=7 * scale)
    text = initials(title)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), (150 if len(text) < 3 else 104) * scale)
    draw.text((size / 2, size / 2), text, font=font, fill=(255, 255, 255, 255), anchor="mm")
    image = image.resize((BADGE_SIZE, BADGE_SIZE), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
