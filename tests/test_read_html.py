"""The HTML path: chrome (nav, share widgets, related lists, sidebar, footer) goes, the article stays."""

from __future__ import annotations

from briefs.reader import read_paths

PAGE = """<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>国家药监局关于开展化妆品专项检查的通知_国家药品监督管理局</title>
<link rel="canonical" href="https://www.nmpa.gov.cn/xxgk/ggtg/20220211.html">
<meta name="PubDate" content="2022-02-11 10:30">
<meta name="ContentSource" content="国家药品监督管理局">
<script>var views = "浏览次数: 999";</script>
</head><body>
<header class="site-head"><a href="/">国家药品监督管理局</a> 网站首页 English</header>
<nav class="menu"><a href="/">首页</a> | <a href="/xxgk">信息公开</a> | <a href="/hdjl">互动交流</a></nav>
<div class="breadcrumb">当前位置：首页 &gt; 信息公开 &gt; 公告通告</div>
<div class="sidebar"><ul><li>2026-03-05 国家药监局批准某某创新药上市</li><li>2026-03-03 另一条新闻标题</li></ul></div>
<article>
  <h1>国家药监局关于开展化妆品专项检查的通知</h1>
  <div class="info">发布时间：2022-02-11 来源：国家药品监督管理局</div>
  <p>各省、自治区、直辖市药品监督管理局：</p>
  <p>为加强化妆品质量安全监管，国家药监局决定于<strong>2022年3月1日</strong>至6月30日开展化妆品专项检查。</p>
  <p>各省级药品监督管理部门应当于2022年7月15日前报送检查结果。&lt;重要&gt;事项请及时报告。</p>
  <div class="share">分享到：微信 微博 <span>点赞 12</span></div>
  <div class="related-news"><h3>相关文章</h3><ul><li><a href="/a">国家药监局通告：20批次药品不合规</a></li></ul></div>
</article>
<aside>热点推荐：某某新闻</aside>
<footer>版权所有：国家药品监督管理局 京ICP备13027807号</footer>
</body></html>
"""


def test_html_page_reads_to_its_article_only(tmp_path, reader_settings):
    path = tmp_path / "notice.html"
    path.write_text(PAGE, encoding="utf-8")
    result = read_paths([path], reader_settings)
    assert result.problems == []
    [document] = result.documents
    assert document.text.startswith("各省、自治区、直辖市药品监督管理局：")
    assert document.text.endswith("<重要>事项请及时报告。")
    assert "决定于2022年3月1日至6月30日开展" in document.text  # inline tags do not split a sentence
    assert "\n\n为加强化妆品质量安全监管" in document.text  # paragraphs stay apart
    for furniture in (
        "首页",
        "信息公开",
        "当前位置",
        "2026-03-05",
        "分享到",
        "点赞",
        "相关文章",
        "20批次",
        "热点推荐",
        "ICP备",
        "版权所有",
        "浏览次数",
        "var views",
    ):
        assert furniture not in document.text, furniture
    assert document.title == "国家药监局关于开展化妆品专项检查的通知"
    assert document.date.isoformat() == "2022-02-11" and not document.date_inferred
    assert document.iso_week == "2022-W06"
    assert document.source == "国家药品监督管理局"
    assert document.url == "https://www.nmpa.gov.cn/xxgk/ggtg/20220211.html"
    assert document.language == "zh-Hans"


def test_html_without_meta_is_dated_from_its_labelled_line_not_the_sidebar(tmp_path, reader_settings):
    page = PAGE.replace('<meta name="PubDate" content="2022-02-11 10:30">', "")
    path = tmp_path / "notice.htm"
    path.write_text(page, encoding="utf-8")
    [document] = read_paths([path], reader_settings).documents
    assert document.date.isoformat() == "2022-02-11"
    assert document.date_source == "label"
