"""Title rules of the reader, as a table: glue such as "摘要:" and a site-name suffix are not part
of a title, a kicker line above a headline is its subtitle, and nothing else is cut off.

Each row is a small scraped page written to tmp_path and read by the real reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs.reader import read_paths

BODY = (
    "国家药监局近日发布公告，要求各地药品监管部门加强对药品生产企业的监督检查。"
    "公告指出，企业应当建立健全质量管理体系，落实药品安全主体责任。"
)
HEADLINE = "国家药监局发布药品生产监督检查公告"
DATE_LINE = "发布时间：2024-03-05"


def text_page(*header: str) -> str:
    return "\n".join([*header, DATE_LINE, "", BODY, "", BODY]) + "\n"


def html_page(*, title: str, h1: str | None = None) -> str:
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{heading}'
        f'<div class="article"><p>{DATE_LINE}</p><p>{BODY}</p><p>{BODY}</p></div></body></html>\n'
    )


def front_matter_page(title: str) -> str:
    return f'---\ntitle: "{title}"\ndate: 2024-03-05\n---\n{BODY}\n\n{BODY}\n'


TITLE_RULES = [
    # glue
    pytest.param("page.txt", text_page(f"摘要:{HEADLINE}"), HEADLINE, None,
                 id="a 摘要 with an ASCII colon before the title is glue"),
    pytest.param("page.txt", text_page(f"摘要：{HEADLINE}"), HEADLINE, None,
                 id="a 摘要 with a full-width colon before the title is glue"),
    pytest.param("page.txt", text_page(f"{HEADLINE}摘要:"), HEADLINE, None,
                 id="a 摘要 glued to the end of the title line is glue"),
    pytest.param("page.txt", text_page(f"{HEADLINE}摘要："), HEADLINE, None,
                 id="a 摘要 with a full-width colon glued to the end is glue"),
    # site-name suffixes
    pytest.param("page.txt", text_page(f"{HEADLINE} - 国家药品监督管理局"), HEADLINE, None,
                 id="a dash and the regulator's site name after a headline line are cut"),
    pytest.param("page.txt", text_page(f"{HEADLINE}_新浪财经"), HEADLINE, None,
                 id="an underscore and a news site's name after a headline line are cut"),
    pytest.param("page.txt", text_page(f"{HEADLINE} | 澎湃新闻"), HEADLINE, None,
                 id="a bar and a news site's name after a headline line are cut"),
    pytest.param("page.html", html_page(title=f"{HEADLINE}_新浪财经"), HEADLINE, None,
                 id="a site name after the html title is cut"),
    pytest.param("page.html", html_page(title=f"{HEADLINE} - 国家药品监督管理局"), HEADLINE, None,
                 id="the regulator's site name after the html title is cut"),
    pytest.param("page.html", html_page(title="首页", h1=f"{HEADLINE} - 国家药品监督管理局"), HEADLINE, None,
                 id="a site name after the h1 is cut"),
    pytest.param("page.md", front_matter_page(f"{HEADLINE}_新浪财经"), HEADLINE, None,
                 id="a site name after a front-matter title is cut"),
    pytest.param("page.txt", text_page(f"摘要：{HEADLINE}_新浪财经"), HEADLINE, None,
                 id="glue and a site name on one line both go"),
    # what is not a site name stays
    pytest.param("page.txt", text_page("药品审评审批制度改革再提速——访国家药监局"), "药品审评审批制度改革再提速——访国家药监局",
                 None, id="a double dash inside a headline starts part of the title and stays"),
    pytest.param("page.txt", text_page("国家药监局批准BNT-162疫苗附条件上市"), "国家药监局批准BNT-162疫苗附条件上市", None,
                 id="a hyphen inside a product name stays"),
    pytest.param("page.txt", text_page("公告 - 国家药品监督管理局"), "公告 - 国家药品监督管理局", None,
                 id="a suffix is kept when too little title would remain"),
    # kicker and subtitle
    pytest.param("page.txt", text_page("药品安全专项整治", HEADLINE), HEADLINE, "药品安全专项整治",
                 id="a kicker line above the headline becomes the subtitle"),
    pytest.param("page.txt", text_page("摘要：药品安全专项整治", f"{HEADLINE}_新浪财经"), HEADLINE, "药品安全专项整治",
                 id="the kicker and the headline are both cleaned"),
    pytest.param("page.txt", text_page(HEADLINE, "——全面落实企业主体责任"), HEADLINE, "全面落实企业主体责任",
                 id="a dash line below the headline is the subtitle"),
    pytest.param("page.txt", text_page(HEADLINE), HEADLINE, None,
                 id="a headline alone has no subtitle"),
    pytest.param("page.txt", text_page("新华社北京3月5日电", HEADLINE), HEADLINE, None,
                 id="a wire-service dateline above the headline is not its subtitle"),
    pytest.param("page.txt", text_page("本报讯", HEADLINE), HEADLINE, None,
                 id="a newspaper's own-report mark is not a subtitle"),
    pytest.param("page.txt", text_page("保障医疗机构用电", HEADLINE), HEADLINE, "保障医疗机构用电",
                 id="a kicker that merely ends in 电 is still a kicker"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "title", "subtitle"), TITLE_RULES)
def test_title_rules(
    tmp_path: Path, reader_settings, name: str, content: str, title: str, subtitle: str | None
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_paths([path], reader_settings)
    assert result.problems == []
    [document] = result.documents
    assert (document.title, document.subtitle) == (title, subtitle)
    assert BODY in document.text  # the rules touch the title only
