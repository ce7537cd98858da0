"""The web experience in headless Chromium at a phone's and a desktop's size (issue 10):
every page fits its viewport and passes axe-core; pull feedback stays in view; a 10× pull
is a compact grid; a sign-up error sits under its own field; copy buttons and share
previews work. Screenshots of every page at both sizes go to test-artifacts/pages/.

Each test collects what it finds wrong and fails once at the end with the whole list, so
one run reports every page and size that breaks, not only the first.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS
from tests.factories import PASSWORD, FundedUserFactory, PullFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES_DIR = ARTIFACTS / "pages"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
SERIOUS = ("serious", "critical")

# The pages issue 10 names, and whether they are seen logged in.
PAGES = [
    ("landing", "/", False),
    ("app", "/app", True),
    ("history", "/history", True),
    ("account", "/account", True),
    ("pricing", "/pricing", False),
    ("how-it-works", "/how-it-works", False),
    ("signup", "/accounts/signup/", False),
    ("login", "/accounts/login/", False),
]

IN_VIEWPORT = """el => { const r = el.getBoundingClientRect();
  return r.top >= -1 && r.left >= -1 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1 && r.height > 0; }"""
TOP_IN_VIEWPORT = "el => { const r = el.getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight && r.height > 0; }"


class Findings(list):
    """What is wrong, collected across pages and sizes; ``check`` adds a line when false."""

    def check(self, ok: bool, message: str) -> bool:
        if not ok:
            self.append(message)
        return ok

    def verdict(self) -> None:
        assert not self, f"{len(self)} problem(s):\n" + "\n".join(f"- {line}" for line in self)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, base_url: str, user=None, viewport: str = "desktop"):
    """A page in a fresh context, logged in as ``user`` (a session cookie, no log-in form)."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base_url}])
        connections.close_all()  # the ORM's connection stays out of Playwright's greenlet
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def type_fuzzy_pattern(page, pattern: str) -> None:
    """On /app, type a fuzzy pattern (the odds and offer follow by htmx)."""
    page.goto("/app")
    page.fill("#id_pattern", pattern)
    page.check("#id_fuzzy")


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts && document.fonts.ready")


def overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, innerWidth]")


def widest_elements(page, limit: int = 3) -> list[str]:
    """The elements that stick out past the right edge, to say why a page is too wide."""
    return page.evaluate("""limit => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
        .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).slice(0, limit)
        .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px')""", limit)


def out_of_their_cards(page, limit: int = 3) -> list[str]:
    """Elements that stick out past the content edge of the card they sit in (a table too
    wide for its column, say), which the viewport check cannot see."""
    return page.evaluate("""limit => Array.from(document.querySelectorAll('.card:not(table)')).flatMap(card => {
        const edge = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
        return Array.from(card.querySelectorAll('*')).filter(el => el.getBoundingClientRect().right > edge + 1)
          .filter(el => getComputedStyle(el).display !== 'none' && !el.closest('.table-scroll'))
          .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' → ' + Math.round(el.getBoundingClientRect().right - edge) + 'px past its card');
      }).slice(0, limit)""", limit)


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations (axe.min.js bundled by axe-playwright-python)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(", ".join(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"] if v.get("impact") in SERIOUS
    ]


def check_layout(page, findings: Findings, where: str) -> None:
    """The page fits the viewport, nothing sticks out of its card, and axe finds nothing serious."""
    scroll_width, inner_width = overflow(page)
    findings.check(scroll_width <= inner_width, f"{where}: {scroll_width} px wide in a {inner_width} px viewport "
                                                f"(widest: {', '.join(widest_elements(page))})")
    sticking_out = out_of_their_cards(page)
    findings.check(not sticking_out, f"{where}: past its card: {', '.join(sticking_out)}")
    for violation in axe_violations(page):
        findings.append(f"{where}: axe {violation}")


def at_each_size(base_url: str, user=None):
    """One page (logged in as ``user``), yielded at each viewport size in turn."""
    with chromium() as browser:
        page = new_page(browser, base_url, user)
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            yield size, page


def shot(page, name: str, size: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(PAGES_DIR / f"{name}-{size}.png"), full_page=full_page)


def test_every_page_fits_both_viewports_and_has_no_serious_axe_violation(live_server, settings):
    settings.PULL_BUDGET_KEYS = 2_000
    user = FundedUserFactory(username="ada", tokens=500)
    for pattern in ("ab", "GO BE", "xyz"):
        PullFactory(user=user, pattern=pattern, fuzzy=True, case_insensitive=True, finished=True)
    connections.close_all()
    findings = Findings()
    with chromium() as browser:
        pages = {False: new_page(browser, live_server.url), True: new_page(browser, live_server.url, user)}
        for size, viewport in VIEWPORTS.items():
            for page in pages.values():
                page.set_viewport_size(viewport)
            for name, path, logged_in in PAGES:
                page = pages[logged_in]
                response = page.goto(path)
                findings.check(response is not None and response.ok, f"{name} at {size}: HTTP {response and response.status}")
                if name == "app":
                    page.fill("#id_pattern", "GO be")
                    page.check("#id_fuzzy")
                    expect(page.locator("[data-testid=odds]")).to_be_visible()
                settle(page)
                check_layout(page, findings, f"{name} at {size}")
                shot(page, name, size)
    findings.verdict()


def test_a_sign_up_error_sits_under_its_own_field(live_server):
    findings = Findings()
    with chromium() as browser:
        page = new_page(browser, live_server.url, viewport="phone")
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.goto("/accounts/signup/")
            page.fill("input[name=username]", "grace")  # filled: it must not say "required"
            page.fill("input[name=password1]", PASSWORD)
            page.click("form [type=submit]")
            settle(page)
            shot(page, "signup-errors", size)
            errors = page.evaluate("""() => Array.from(document.querySelectorAll('form [aria-invalid=true], form input, form select, form textarea'))
                .filter(input => input.type !== 'hidden' && (input.getAttribute('aria-invalid') === 'true'
                        || (input.closest('.field') && input.closest('.field').querySelector('.field-error'))))
                .map(input => { const field = input.closest('.field'); const error = field && field.querySelector('.field-error');
                  const next = input.nextElementSibling; const row = input.parentElement;
                  return {name: input.name, value: input.value, error: error && error.textContent.trim(),
                          errorId: error && error.id, describedby: (input.getAttribute('aria-describedby') || '').split(/\\s+/),
                          nextIsError: !!error && (next === error || (row !== field && row.nextElementSibling === error)),
                          sameField: !!error && field.contains(input) && field.contains(error)}; })""")
            findings.check(bool(errors), f"sign-up at {size}: an incomplete form shows no field error at all")
            by_name = {e["name"]: e for e in errors}
            findings.check("username" not in by_name,
                           f"sign-up at {size}: the filled-in username field shows an error: {by_name.get('username')}")
            findings.check("email" in by_name, f"sign-up at {size}: the empty e-mail field shows no error of its own")
            for error in errors:
                where = f"sign-up at {size}, field {error['name']!r}"
                findings.check(error["sameField"], f"{where}: its error is not in its own field's wrapper")
                findings.check(error["nextIsError"], f"{where}: its error does not immediately follow the input")
                findings.check(bool(error["errorId"]) and error["errorId"] in error["describedby"],
                               f"{where}: aria-describedby {error['describedby']} does not name the error {error['errorId']!r}")
    findings.verdict()


def pull_result_in_view(page, findings: Findings, size: str, button: str = "#pull-button") -> str:
    """Click a Pull button; the slot machine, then the result, must be in the viewport."""
    page.evaluate("window.__pullClicked = performance.now()")
    page.click(button)
    progress = page.locator("[data-testid=pull-progress]").first
    expect(progress).to_be_attached()
    where = page.wait_for_function(  # the machine in view (or already replaced by the result)
        f"""() => {{ const el = document.querySelector('[data-testid=pull-progress]');
            if (!el) return 'gone'; const r = el.getBoundingClientRect();
            return ({IN_VIEWPORT})(el) ? 'in view' : (performance.now() - window.__pullClicked > 5000
              ? `top ${{Math.round(r.top)}}, bottom ${{Math.round(r.bottom)}} of ${{innerHeight}}` : false); }}""",
        timeout=15_000).json_value()
    findings.check(where in ("in view", "gone"), f"pull at {size}: the slot machine is not inside the viewport after clicking Pull ({where})")
    if progress.count():
        shot(page, "pull-running", size, full_page=False)
    result = page.locator("[data-testid=pull-result]").first
    expect(result).to_be_visible(timeout=90_000)
    address = result.locator("[data-testid=address]")
    try:
        page.wait_for_function(f"() => {{ const r = document.querySelector('[data-testid=pull-result]');"
                               f" const a = r && r.querySelector('[data-testid=address]');"
                               f" return a && ({TOP_IN_VIEWPORT})(r) && ({IN_VIEWPORT})(a); }}", timeout=5_000)
        landed = True
    except Exception:  # noqa: BLE001
        landed = False
    findings.check(landed, f"pull at {size}: the result (its top and address) is not inside the viewport once it lands")
    page.wait_for_timeout(600)  # the landing animation, for the screenshot
    shot(page, "pull-result", size, full_page=False)
    return result.get_attribute("data-pull-id") or address.inner_text()


def test_pull_feedback_stays_in_view_and_a_10x_pull_is_a_compact_grid(live_server, celery_worker_process, settings):
    settings.PULL_BUDGET_KEYS = 400_000
    user = FundedUserFactory(username="lin", tokens=1_000)
    connections.close_all()
    findings = Findings()
    with chromium() as browser:
        page = new_page(browser, live_server.url, user)
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            type_fuzzy_pattern(page, "GO be")
            expect(page.locator("[data-level='2/2']")).to_be_visible()
            settle(page)
            pull_id = pull_result_in_view(page, findings, size)
            result = page.locator(f"[data-pull-id='{pull_id}'][data-testid=pull-result]")
            findings.check("landed" in (result.get_attribute("class") or ""), f"pull at {size}: the live landing was not marked")
            remembered = json.loads(page.evaluate("sessionStorage.getItem('vanikeys.celebrated') || '[]'"))
            findings.check(pull_id in remembered, f"pull at {size}: the landed pull is not remembered as celebrated")

            # Copy the address: the button says so.
            copy = result.locator("[data-testid=copy-address]")
            copy.click()
            expect(copy).to_contain_text("Copied")
            findings.check(page.evaluate("navigator.clipboard.readText()").startswith("did:key:z6Mk"),
                           f"pull at {size}: the clipboard does not hold the address")

            # Keep and Share re-render the result: no second celebration.
            result.locator("[data-testid=keep]").click()
            expect(result.locator("[data-testid=kept]")).to_be_visible()
            result.locator("[data-testid=share]").click()
            copy_link = result.locator("[data-testid=copy-share-link]")
            expect(copy_link).to_be_visible()
            findings.check("landed" not in (result.get_attribute("class") or ""),
                           f"pull at {size}: Keep / Share replayed the landing")
            copy_link.click()
            expect(copy_link).to_contain_text("Copied")
            share_url = page.evaluate("navigator.clipboard.readText()")
            findings.check("/s/" in share_url, f"pull at {size}: the share link copied is {share_url!r}")

            # A revisit of the finished pull celebrates nothing.
            page.goto(f"/pulls/{pull_id}")
            settle(page)
            findings.check(page.locator("[data-testid=confetti]").count() == 0, f"pull at {size}: confetti on a revisit")
            findings.check("landed" not in (page.locator("[data-testid=pull-result]").first.get_attribute("class") or ""),
                           f"pull at {size}: the landing replayed on a revisit")
            shot(page, "pull-page", size)

        # The share page: a preview with score and address, nothing private, natural words.
        page.goto(share_url)
        og = {name: page.locator(f"meta[property='{name}'], meta[name='{name}']").first.get_attribute("content")
              for name in ("og:title", "og:description", "twitter:card", "twitter:title")}
        findings.check(all(og.values()), f"share page: missing preview meta {og}")
        findings.check(bool(re.search(r"\d of \d part", og["og:description"] or "")) and "did:key:z6Mk" in (og["og:description"] or ""),
                       f"share page: the preview does not give the score and address: {og['og:description']!r}")
        text = page.locator("main").inner_text()
        findings.check("did:key key" not in text and "PRIVATE KEY" not in page.content(), "share page: reads 'did:key key' or shows a key")
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            shot(page, "shared", size)

        # A 10× pull: ten tiles with a best-of summary, the page shorter than two viewports.
        settings.PULL_BUDGET_KEYS = 5_000
        page.set_viewport_size(VIEWPORTS["desktop"])
        page.goto("/app")
        page.fill("#id_pattern", "ab cd ef")
        expect(page.locator("[data-level='3/3']")).to_be_visible()
        page.click("#pull10-button")
        expect(page.locator("[data-testid=batch-summary]")).to_be_visible(timeout=90_000)
        expect(page.locator("[data-testid=pull-result]")).to_have_count(10)
        findings.check(page.locator("[data-testid=batch-summary]").evaluate(TOP_IN_VIEWPORT),
                       "10× pull on /app: the best-of summary is not in view once all ten land")
        batch_id = page.locator("[data-testid=pull-result]").first.get_attribute("data-pull-id")
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.goto(f"/pulls/{batch_id}")
            settle(page)
            expect(page.locator("[data-testid=batch-summary]")).to_contain_text("Best of 10")
            height, inner = page.evaluate("[document.documentElement.scrollHeight, innerHeight]")
            findings.check(height < 2 * inner, f"10× pull page at {size}: {height} px tall, two viewports are {2 * inner}")
            scroll_width, inner_width = overflow(page)
            findings.check(scroll_width <= inner_width, f"10× pull page at {size}: {scroll_width} px wide in {inner_width}")
            scores = [int(t.split()[-1].split("/")[0]) for t in page.locator("[data-testid=stars]").all_inner_texts()]
            findings.check(scores == sorted(scores, reverse=True), f"10× pull page at {size}: not best first: {scores}")
            shot(page, "ten-pulls", size)
            for violation in axe_violations(page):
                findings.append(f"10× pull page at {size}: axe {violation}")
        # Its tiles fold their actions: opening one shows them.
        tile = page.locator("[data-testid=pull-result]").nth(1)
        findings.check(not tile.locator("[data-testid=keep]").is_visible(), "10× tile: its actions are not folded")
        tile.locator("summary").click()
        expect(tile.locator("[data-testid=keep]")).to_be_visible()
        tile.locator("[data-testid=keep]").click()
        expect(tile.locator("[data-testid=kept]")).to_be_visible()
        findings.check("tile" in (tile.get_attribute("class") or ""), "10× tile: Keep turned the tile into a full card")
    findings.verdict()


def test_a_spending_limit_is_said_at_the_confirm_step_at_both_sizes(live_server):
    from economy import services as economy

    user = FundedUserFactory(username="lin", tokens=5_000)
    economy.wallet_set_limits(user, per_day=60, per_month=None)
    connections.close_all()
    findings = Findings()
    for size, page in at_each_size(live_server.url, user):
        type_fuzzy_pattern(page, "GO BE 42")
        expect(page.locator("[data-testid=guaranteed-offer]")).to_be_visible()
        page.click("#guaranteed-button")
        refusal = page.locator("[data-testid=confirm-short]")
        expect(refusal).to_contain_text("spending limit of 60 tokens")
        expect(page.locator("[data-testid=confirm-job]")).to_have_count(0)
        settle(page)
        findings.check(page.evaluate(IN_VIEWPORT, refusal.element_handle()), f"confirm at {size}: the refusal is out of view")
        check_layout(page, findings, f"confirm at {size}")
        shot(page, "job-confirm-limit", size, full_page=False)
    findings.verdict()
