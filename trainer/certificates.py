"""Certificate PDFs (fpdf2, with a bundled DejaVu font so Cyrillic names print)."""
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "fonts"


def certificate_pdf(holder: str, agency: str, course: str, issued: str, hours: float, code: str,
                    verify_url: str, labels: dict[str, str]) -> bytes:
    """A one-page landscape A4 certificate; `labels` holds the translated headings."""
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
    line(f"{labels['verify']}: {verify_url}", 10)
    return bytes(pdf.output())
