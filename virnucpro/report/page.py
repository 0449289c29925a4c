"""The fixed parts of the report page: its style sheet, script and HTML helpers.

The page loads nothing: the style and script are inline, figures are ``data:`` URIs, and a
Content-Security-Policy forbids every other source. The script only adds sorting and filtering
to the sequence table, which is complete and readable without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'"
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1rem 1.5rem 3rem; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
.subtitle { color: #555; margin-top: 0; }
.warning { background: #fff3cd; border: 1px solid #e0b000; padding: 0.5em 0.8em; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.keyvalue th { font-weight: 600; color: #444; }
table.keyvalue td { word-break: break-all; }
#sequences thead th { position: sticky; top: 0; background: #f3f3f3; }
#sequences tbody tr:nth-child(even) { background: #fafafa; }
#sequences th button { font: inherit; font-weight: 600; border: 0; background: none;
                       padding: 0; cursor: pointer; }
#sequences th[aria-sort=ascending] button::after { content: " \\25B2"; }
#sequences th[aria-sort=descending] button::after { content: " \\25BC"; }
.call-virus { color: #A23F00; font-weight: 600; }
.counts { display: flex; flex-wrap: wrap; gap: 0.8rem; padding: 0; list-style: none; }
.counts li { border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.8rem; }
.counts b { display: block; font-size: 1.3rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption, .note { color: #555; font-size: 0.9rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
.table-scroll { display: inline-block; max-width: 100%; max-height: 36rem; overflow: auto;
                border: 1px solid #e4e4e4; }
"""

# Sorting (click a header; again to reverse) and filtering (rows containing the text).
SCRIPT = """
(function () {
  var table = document.getElementById("sequences");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");
  filter.hidden = false;
  filter.querySelector("input").addEventListener("input", function (event) {
    var text = event.target.value.toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      row.hidden = row.textContent.toLowerCase().indexOf(text) < 0;
      if (!row.hidden) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " sequences shown";
  });
  function key(row, column) {
    var text = row.cells[column].textContent.trim();
    var number = Number(text);
    return text === "" ? null : (isNaN(number) ? text : number);
  }
  function compare(a, b) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    if (typeof a === typeof b) { return a < b ? -1 : 1; }
    return typeof a === "number" ? -1 : 1;
  }
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (header, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = header.textContent;
    button.title = "sort by " + header.textContent;
    header.textContent = "";
    header.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var order = compare(key(a, column), key(b, column));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
"""


def text(value: object) -> str:
    """``value`` as HTML text, every special character escaped (quotes too)."""
    return escape(str(value), quote=True)


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def cell(value: object, css_class: str | None = None) -> str:
    """A ``<td>``, right-aligned when it holds a number."""
    shown = str(value)
    classes = [name for name in (css_class, "num" if is_number(shown) else None) if name]
    attribute = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attribute}>{text(shown)}</td>"


def key_value_table(pairs: Iterable[tuple[str, object]]) -> str:
    """A two-column table of names and values (all left-aligned)."""
    rows = "".join(f"<tr><th scope=\"row\">{text(k)}</th><td>{text(v)}</td></tr>"
                   for k, v in pairs)
    return f'<table class="keyvalue"><tbody>{rows}</tbody></table>'


def image(data_uri: str, alt: str, caption: str) -> str:
    """A figure holding an inline image and its caption."""
    return (f'<figure><img src="{data_uri}" alt="{text(alt)}">'
            f"<figcaption>{text(caption)}</figcaption></figure>")


def document(title: str, body: str) -> str:
    """The whole page around ``body``."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
