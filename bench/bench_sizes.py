"""Sizes of the briefing of every sample week, as a reader's inbox sees them.

Generates every week of the bundled sample corpus offline (replaying the bundled recordings, one
process run) and prints, per week: requirements, the size of briefing.md (bytes and lines) and of
briefing.html (bytes), how many times the CJK font stack appears in the HTML, and a team's whole
email: its HTML part (CSS inlined), the attached full briefing (briefing-full.md) and the message on
the wire (base64, every part). Gmail clips a
message past about 102 KB of HTML; briefs aims at 100 KB or less for every week.

    python bench/bench_sizes.py

Figures, not pass/fail (the size limit itself is asserted by tests/test_render_email.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefs.deliver import build_message, inline_css  # noqa: E402
from briefs.models import Period  # noqa: E402
from briefs.pipeline import GenerateRequest, generate, mail_content  # noqa: E402
from briefs.settings import MailSettings, Team, load_settings  # noqa: E402
from briefs.weeks import resolve_period  # noqa: E402

SAMPLE_WEEKS = ("2020-W52", "2021-W31", "2022-W06", "2022-W07", "2022-W30", "2023-W27", "2024-W17", "2025-W01")
FONT_MARK = "Noto Sans CJK SC"


def main() -> None:
    for name in [k for k in os.environ if k.startswith(("OPENAI_", "BRIEFS_"))]:
        del os.environ[name]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BRIEFS_HOME"] = str(Path(tmp) / "home")
        settings = load_settings(None, out=Path(tmp) / "out", mode="replay")
        team = Team(name="all", recipients=["ra@example.com"])
        mail = MailSettings(host="127.0.0.1", sender="briefs@example.com")
        print(
            f"{'week':<10} {'reqs':>5} {'md bytes':>10} {'md lines':>9} {'html bytes':>11} {'font stacks':>12}"
            f" {'mail html':>10} {'attached':>9} {'message':>9}"
        )
        largest = 0
        for week in SAMPLE_WEEKS:
            period: Period = resolve_period(week, None, None)
            result = generate(settings, GenerateRequest(period=period, formats=("md", "html")))
            if result.briefing is None:
                print(f"{week:<10} (no briefing: exit {result.exit_code})")
                continue
            md = (result.out_dir / "briefing.md").read_bytes()
            html = (result.out_dir / "briefing.html").read_bytes()
            requirements = sum(len(d.requirements) for d in result.briefing.documents)
            fonts = html.decode("utf-8").count(FONT_MARK)
            lines = md.count(b"\n")
            largest = max(largest, len(html))
            content = mail_content(result.briefing, team)
            mail_html = len(inline_css(content.html).encode("utf-8"))
            attached = sum(len(a.data) for a in content.attachments)
            message = len(build_message(content, team, mail).as_bytes())
            print(
                f"{week:<10} {requirements:>5} {len(md):>10,} {lines:>9,} {len(html):>11,} {fonts:>12}"
                f" {mail_html:>10,} {attached:>9,} {message:>9,}"
            )
        print(f"largest HTML: {largest:,} bytes ({largest / 1000:.1f} KB; goal <= 100 KB)")


if __name__ == "__main__":
    main()
