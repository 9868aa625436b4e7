"""Reading a blog's Atom feed of digest posts (kind: feed): what each step of one run costs, interleaved rounds.

The feed: ../shared/digests/kedreamix-atom.xml when it is beside the repository (Kedreamix's real feed: 20
entries of full HTML, 2.5 MB), else one written from samples/ (each sample post rendered to HTML with
markdown-it, as a blog renders it: small). Three steps, each timed over the whole feed:

  feed       feedparser reads the feed (jobs.sources.feed.parse_feed);
  html       every entry's HTML read back as Markdown (jobs.formats.html.html_to_markdown);
  markdown   those Markdown posts parsed (jobs.formats.parse_post), the step a Markdown source pays alone;

and `entry` is what the pipeline pays per entry (wrap + parse_post on the HTML: decode, convert, parse).
Wall and CPU time, min and median over --rounds; papers/s for `entry`.

    .venv/bin/python benchmarks/feed_read.py [--feed PATH] [--rounds 3] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import SAMPLES, SHARED, machine, summary  # noqa: E402

from jobs.formats import parse_post  # noqa: E402
from jobs.formats.html import html_to_markdown  # noqa: E402
from jobs.sources.feed import parse_feed, wrap  # noqa: E402


def sample_feed() -> bytes:
    """An Atom feed of the sample posts rendered to HTML (markdown-it, a test tool: `pip install -e .[dev]`)."""
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark", {"html": True}).render
    entries = []
    for post in sorted((SAMPLES / "kedreamix").glob("*/*.md")):
        text = post.read_text(encoding="utf-8")
        body = text.split("\n---\n", 2)[-1] if text.lstrip().startswith("---") else text
        link = f"https://blog.example/{post.parent.name.replace('-', '/')}/Paper/{post.parent.name}/{post.stem}/"
        entries.append(f"<entry><title>{post.stem}</title><link href='{link}'/><id>{link}</id>"
                       f"<published>{datetime(2026, 11, 16, tzinfo=UTC).isoformat()}</published>"
                       f"<content type='html'><![CDATA[{render(body)}]]></content></entry>")
    return ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>samples</title>{''.join(entries)}</feed>").encode()


def timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feed", type=Path, help="an Atom or RSS file (default: the real feed, else samples)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one round over the sample feed: seconds, for the tests")
    args = parser.parse_args()
    print(machine())
    real = SHARED / "kedreamix-atom.xml"
    if args.feed:
        content, name = args.feed.read_bytes(), str(args.feed)
    elif real.is_file() and not args.smoke:
        content, name = real.read_bytes(), f"{real} (Kedreamix's real feed)"
    else:
        content, name = sample_feed(), "written from samples/ (small)"
    rounds = 1 if args.smoke else args.rounds
    doc = parse_feed(content, "https://blog.example/atom.xml")
    pages = [(f"entry-{i}", wrap(e.content[0].value, e.get("title", ""), e.get("published", "")).decode())
             for i, e in enumerate(doc.entries) if e.get("content")]
    markdown = [(path, html_to_markdown(page)) for path, page in pages]
    print(f"feed: {name}: {len(content) / 1e6:.2f} MB, {len(pages)} entries with content")

    steps = {
        "feed": lambda: parse_feed(content, "https://blog.example/atom.xml"),
        "html": lambda: [html_to_markdown(page) for _, page in pages],
        "markdown": lambda: sum(len(parse_post(md.encode(), p + ".md", "auto").papers) for p, md in markdown),
        "entry": lambda: sum(len(parse_post(page.encode(), p, "auto").papers) for p, page in pages),
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in steps}
    papers = 0
    for _ in range(rounds):
        for step, fn in steps.items():
            wall, cpu, out = timed(fn)
            times[step].append((wall, cpu))
            if step == "entry":
                papers = int(out)  # type: ignore[call-overload]
    for step, ts in times.items():
        walls = [w for w, _ in ts]
        rate = f"   {papers / min(walls):7,.0f} papers/s" if step in ("entry", "markdown") and papers else ""
        print(f"  {step:<9} wall {summary(walls)}   cpu min {min(c for _, c in ts):7.3f} s{rate}")
    print(f"papers: {papers} (HTML and Markdown forms alike: "
          f"{'yes' if papers == steps['markdown']() else 'NO'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
