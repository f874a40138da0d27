"""What the journeys check on every page: axe-core's WCAG 2.x A/AA rules, and what an old eye and a
shaky finger meet — body type and the smallest text, line height, the smallest target, contrast, and
nothing scrolling sideways or cut off on a phone and at 200 % and 400 % zoom; and `tab_to` for the
keyboard-only paths (every focus stop visible)."""
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

REPO = Path(settings.BASE_DIR)
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "tests" / "e2e" / "screenshots"
PHONE = {"width": 360, "height": 640}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The numbers of issue 11 (适老化): normal member pages, and care mode (关怀模式).
MEMBER = {"font": 18, "target": 44}
CARE = {"font": 22, "target": 48}
LINE_HEIGHT = 1.5

MEASURE = """() => {
  const body = document.body, style = getComputedStyle(body);
  const font = parseFloat(style.fontSize);
  const lineHeight = style.lineHeight === 'normal' ? 1.2 : parseFloat(style.lineHeight) / font;
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], '
                 + '[tabindex]:not([tabindex="-1"])';
  let smallest = null, wordless = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('.visually-hidden, [hidden]')) continue;
    // A check box or radio is pressed through its label, which is the target a finger meets.
    const target = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') ? el.closest('label') : el;
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.bottom + window.scrollY <= 0 || box.right + window.scrollX <= 0) continue;  // parked off screen (skip link)
    const size = Math.min(box.width, box.height);
    if (!smallest || size < smallest.size) {
      smallest = {size: Math.round(size * 10) / 10, element: el.outerHTML.slice(0, 160)};
    }
    if (el.querySelector('svg, img') && !el.innerText.trim()) wordless.push(el.outerHTML.slice(0, 160));
  }
  const luminance = (css) => {
    const [r, g, b] = css.match(/[0-9.]+/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const main = document.querySelector('main') || body;
  const ink = luminance(getComputedStyle(main).color), paper = luminance(style.backgroundColor);
  const contrast = (Math.max(ink, paper) + 0.05) / (Math.min(ink, paper) + 0.05);
  let smallestText = font;
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('.visually-hidden') || !el.offsetParent) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (own) smallestText = Math.min(smallestText, parseFloat(getComputedStyle(el).fontSize));
  }
  return {
    member: body.classList.contains('member'), care: body.classList.contains('care-mode'),
    font, lineHeight: Math.round(lineHeight * 100) / 100, smallestText,
    contrast: Math.round(contrast * 10) / 10, target: smallest, wordlessIcons: wordless,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    width: document.documentElement.clientWidth, animations: document.getAnimations().length,
  };
}"""

# Zoom is a narrower page in CSS pixels: a 1280 × 800 screen at 200 % lays out like 640 × 400, and at 400 %
# like 320 × 256 — the width WCAG 2.1 (1.4.10 Reflow) asks to work without scrolling sideways.
ZOOMS = {"200%": {"width": 640, "height": 400}, "400%": {"width": 320, "height": 256}}

# Sideways scrolling of the whole page, and anything cut off: sticking out past the right edge (outside
# a box that scrolls on its own, such as a wide staff table), or clipped inside a box that hides its overflow.
REFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth, cut = [];
  const scrollsOnItsOwn = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .skip-link, [hidden], svg, script, style')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0') continue;
    if (style.clip !== 'auto' || style.clipPath !== 'none') continue;  // hidden on purpose, for screen readers
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const out = box.right > width + 1 || box.left < -1;
    const clipped = ['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    if ((out && !scrollsOnItsOwn(el)) || clipped) {
      cut.push((clipped ? 'clipped: ' : 'past the edge: ') + el.outerHTML.slice(0, 120));
    }
  }
  return {width, overflow: root.scrollWidth - root.clientWidth, cut: cut.slice(0, 5)};
}"""

# Pages without JavaScript run no page timers, and axe needs them: inside the evaluation only, timers
# become microtasks. The page's own scripts stay off.
TIMERS_AS_MICROTASKS = """() => {
  const soon = (fn, ...args) => { Promise.resolve().then(() => fn(...args)); return 0; };
  window.setTimeout = soon; window.clearTimeout = () => {}; window.requestAnimationFrame = soon;
  window.requestIdleCallback = soon;
}"""

RUN_AXE = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))"""


# Where the keyboard focus is, and whether it shows: an outline or a ring on the element, or on the label
# of a control drawn by its label (the rating faces hide their radio buttons).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const hidden = getComputedStyle(el).opacity === '0' && el.closest('label');
  const style = getComputedStyle(hidden ? el.closest('label') : el);
  const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
  return {element: el.outerHTML.slice(0, 120), shown};
}"""


def tab_to(page, selector: str, *, limit: int = 40) -> list[str]:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does; every
    stop on the way must show its focus. Returns the stops."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused is not None, f"Tab left the page after {stops}"
        assert focused["shown"], f"the keyboard focus is invisible on {focused['element']}"
        stops.append(focused["element"])
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} is not reached with {limit} presses of Tab: {stops}")


def axe_violations(page, *, js: bool) -> list[dict]:
    if js:
        page.add_script_tag(path=str(AXE))
    else:  # a <script> tag does not run with JavaScript off; evaluating the same file does
        page.evaluate(TIMERS_AS_MICROTASKS)
        page.evaluate("(source) => { (0, eval)(source); }", AXE.read_text())
    return page.evaluate(RUN_AXE, WCAG_TAGS)


@dataclass
class Journey:
    """One person's way through the pages in one browser set-up: `check` after each step saves a
    screenshot, runs axe and (on member pages) measures against the issue's numbers."""

    page: object
    name: str
    js: bool
    steps: list[dict] = field(default_factory=list)

    def check(self, slug: str, *, member: bool = True, care: bool | None = None) -> dict:
        page = self.page
        page.wait_for_load_state("load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{self.name}-{len(self.steps) + 1:02d}-{slug}.png"
        started = time.perf_counter()
        page.screenshot(path=str(shot), full_page=True)
        t_shot = time.perf_counter()
        measured = page.evaluate(MEASURE)
        measured.update(step=f"{self.name}/{slug}", url=page.url, screenshot=str(shot.relative_to(REPO)))
        measured["reflow"] = {"phone": page.evaluate(REFLOW)}
        phone = page.viewport_size
        for zoom, size in ZOOMS.items():
            page.set_viewport_size(size)
            measured["reflow"][zoom] = page.evaluate(REFLOW)
        page.set_viewport_size(phone)
        t_reflow = time.perf_counter()
        measured["axe"] = axe_violations(page, js=self.js)
        measured["seconds"] = {"screenshot": round(t_shot - started, 2), "measure": round(t_reflow - t_shot, 2),
                               "axe": round(time.perf_counter() - t_reflow, 2)}
        self.steps.append(measured)
        _record(measured)
        where = f"{self.name} step {slug} ({page.url})"
        found = json.dumps(measured["axe"], ensure_ascii=False)
        assert measured["axe"] == [], f"axe found WCAG A/AA violations on {where}: {found}"
        assert measured["member"] == member, f"{where}: expected a {'member' if member else 'staff'} page"
        for zoom, reflow in measured["reflow"].items():  # staff pages too: an old office PC is zoomed
            assert reflow["overflow"] <= 0 and reflow["cut"] == [], (
                f"{where} at {zoom} ({reflow['width']}px wide): {reflow['overflow']}px of sideways scrolling, "
                f"cut off: {reflow['cut']}")
        if care is not None:
            assert measured["care"] == care, f"{where}: care mode should be {'on' if care else 'off'}"
        if member:
            limits = CARE if measured["care"] else MEMBER
            assert measured["font"] >= limits["font"], f"{where}: body text {measured['font']}px < {limits['font']}px"
            assert measured["lineHeight"] >= LINE_HEIGHT, f"{where}: line height {measured['lineHeight']} < {LINE_HEIGHT}"
            assert measured["target"]["size"] >= limits["target"], (
                f"{where}: a target of {measured['target']['size']}px < {limits['target']}px: {measured['target']['element']}")
            assert measured["contrast"] >= 7, f"{where}: body text contrast {measured['contrast']}:1"
            assert measured["smallestText"] >= limits["font"], (
                f"{where}: some text is {measured['smallestText']}px < {limits['font']}px")
            assert measured["wordlessIcons"] == [], f"{where}: icons without words: {measured['wordlessIcons']}"
            if measured["care"]:
                assert measured["animations"] == 0, f"{where}: something moves in care mode"
        return measured


def _record(measured: dict) -> None:
    """Every measurement, one JSON line each, beside the screenshots (for the CI artefacts)."""
    line = json.dumps({k: v for k, v in measured.items() if k != "axe"} | {"axe_violations": len(measured["axe"])},
                      ensure_ascii=False)
    with open(SCREENSHOTS / f"measurements-{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
        out.write(line + "\n")
