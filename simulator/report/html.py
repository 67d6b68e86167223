"""report.html: the same report as report.md, as one self-contained HTML page.

It is made from the Markdown text the report writes (headings, tables, bullet lists, notes and
images only), so both say the same. Images are embedded (base64 PNG), so the page can be mailed
or put on a course site alone. Every text from the run (event messages, names) is escaped:
nothing in a results folder becomes markup or script.
"""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
img { max-width: 100%; }
blockquote { border-left: 4px solid #ef8f00; margin: 0.5em 0; padding: 0.2em 1em; background: #fff8ec; }
"""
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(inner)]


def _image(alt: str, src: str, base: Path | None) -> str:
    """An <img> with the PNG embedded when `base/src` is a file inside `base`; else the relative link."""
    esc_alt = html.escape(alt)
    if base is not None and not src.startswith(("/", "\\")) and ".." not in Path(src).parts:
        path = base / src
        if path.is_file() and path.suffix.lower() == ".png":
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f'<img alt="{esc_alt}" src="data:image/png;base64,{data}">'
    return f'<img alt="{esc_alt}" src="{html.escape(src)}">'


def markdown_to_html(text: str, base: Path | None = None, title: str = "Run report") -> str:
    """The HTML page of a report's Markdown text; images under `base` are embedded."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [_cells(b) for b in block if not re.fullmatch(r"\|(\s*-+\s*\|)+", b.strip())]
            out.append("<table>")
            if rows:
                out.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in rows[0]) + "</tr>")
                for row in rows[1:]:
                    out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
            continue
        if stripped.startswith("- "):
            out.append("<ul>")
            while i < len(lines) and lines[i].strip().startswith("- "):
                out.append(f"<li>{html.escape(lines[i].strip()[2:])}</li>")
                i += 1
                while i < len(lines) and not lines[i].strip() and i + 1 < len(lines) and lines[i + 1].strip().startswith("- "):
                    i += 1  # a blank line between bullets keeps one list
            out.append("</ul>")
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        image = _IMAGE.match(stripped)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{html.escape(heading.group(2))}</h{level}>")
        elif image:
            out.append("<p>" + _image(image.group("alt"), image.group("src"), base) + "</p>")
        elif stripped.startswith(">"):
            out.append(f"<blockquote>{html.escape(stripped.lstrip('> '))}</blockquote>")
        elif stripped:
            out.append(f"<p>{html.escape(stripped)}</p>")
        i += 1
    body = "\n".join(out)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
