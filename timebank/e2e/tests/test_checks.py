"""The checks themselves: each one, shown a page with the fault it looks for, finds it (a check that
cannot fail would prove nothing about the real pages)."""
import pytest

from timebank.e2e.browser import MEASURE, REFLOW, ZOOMS, axe_violations, tab_to

FAULTS = """
<style>#fault-unfocused:focus-visible { outline: none }</style>
<p id="fault-tiny" style="font-size: 12px">小字</p>
<button id="fault-small" type="button" style="min-height: 0; min-width: 0; width: 24px; height: 24px; padding: 0">x</button>
<div id="fault-wide" style="width: 500px">宽</div>
<div style="overflow: hidden; width: 100px"><span style="white-space: nowrap">一行放不下的很长很长很长的文字</span></div>
<img src="/static/missing.png">
<a id="fault-unfocused" href="#" style="outline: none">链接</a>
"""


@pytest.mark.parametrize("js", [pytest.param(True, id="js"), pytest.param(False, id="nojs")])
def test_every_check_finds_the_fault_it_looks_for(transactional_db, journey, js):
    page = journey(f"checks-{'js' if js else 'nojs'}", js=js).page
    page.goto("/login/")
    clean = page.evaluate(MEASURE)
    assert clean["smallestText"] >= 18 and clean["target"]["size"] >= 44 and page.evaluate(REFLOW)["cut"] == []
    assert axe_violations(page, js=js) == []

    page.evaluate("(html) => document.querySelector('main').insertAdjacentHTML('beforeend', html)", FAULTS)
    measured = page.evaluate(MEASURE)
    assert measured["smallestText"] == 12
    assert measured["target"]["size"] == 24 and "fault-small" in measured["target"]["element"]
    reflow = page.evaluate(REFLOW)
    assert reflow["overflow"] > 0
    assert any("fault-wide" in cut for cut in reflow["cut"])
    assert any(cut.startswith("clipped: ") for cut in reflow["cut"])
    page.set_viewport_size(ZOOMS["400%"])
    assert page.evaluate(REFLOW)["width"] == 320
    assert "image-alt" in {v["id"] for v in axe_violations(page, js=js)}
    page.evaluate("document.querySelector('#fault-small').focus()")
    with pytest.raises(AssertionError, match="invisible"):
        tab_to(page, "#fault-unfocused", limit=5)
