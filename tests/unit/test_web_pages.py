"""Every page renders for its users, in both languages, under the strict CSP;
and the one catalogue has every string the templates and scripts use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.test_web_session import PASSWORD, Browser, boot_data
from webui.i18n import CATALOGUES, LANGUAGES, Translator, from_accept_language
from webui.pages.nav import MENU, PAGES

WEBUI = Path(__file__).resolve().parents[2] / "webui"
CSP = "default-src 'self'"


def all_pages():
    return [page.path for group in MENU for page in group.pages]


@pytest.fixture
def browser(admin):
    b = Browser(admin)
    b.sign_in()
    return b


@pytest.mark.parametrize("path", all_pages())
def test_every_page_renders_for_admin(browser, path):
    r = browser.get(path)
    assert r.status == 200, (path, r.body[:500])
    page = r.body.decode()
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert CSP in r.headers["Content-Security-Policy"]
    assert "<script>" not in page and "style=" not in page and " on" + "click=" not in page
    for group in MENU:
        for item in group.pages:
            assert f'href="{item.path}"' in page  # the admin reaches every page from the menu
    for script in re.findall(r'<script src="([^"]+)"', page):
        assert browser.get(script).status == 200, script


def test_pages_in_chinese(browser):
    assert browser.api("PATCH", "/me", {"language": "zh"}).status == 200
    r = browser.get("/")
    page = r.body.decode()
    assert '<html lang="zh-CN">' in page and "仪表盘" in page and "已注册话机" in page
    assert boot_data(r)["strings"]["dash.status_ok"] == "一切正常"


def test_language_switch_form(admin):
    b = Browser(admin, accept_language="zh-CN,zh;q=0.9,en;q=0.8")
    r = b.get("/login")
    assert "登录" in r.body.decode()  # before sign-in: the browser's language
    r = b.form("/language", {"lang": "en", "next": "/login"})
    assert r.status == 303 and b.cookie("lang").value == "en"
    assert "Sign in" in b.get("/login").body.decode()
    b.sign_in()
    r = b.form("/language", {"lang": "zh", "next": "/extensions"})
    assert r.status == 303
    assert admin.get("/me").json["language"] == "zh"  # kept on the user
    assert "分机" in b.get("/extensions").body.decode()
    assert b.form("/language", {"lang": "xx"}).status == 422
    assert b.form("/language", {"lang": "en"}, with_token=False).status == 403


def test_user_strings_are_escaped(admin):
    name = "<img src=x onerror=alert(1)>"
    b = Browser(admin)
    b.get("/login")
    r = b.form("/login", {"username": name, "password": "x", "next": '"><script>alert(1)</script>'})
    page = r.body.decode()
    assert name not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert" not in page


def test_unknown_page_is_an_html_404_and_api_stays_json(browser):
    r = browser.get("/no-such-page")
    assert r.status == 404 and "Page not found" in r.body.decode()
    r = browser.api("GET", "/no-such-route")
    assert r.status == 404 and r.json["error"] == "not found"


def test_static_files(admin):
    b = Browser(admin)
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/img/logo.svg"):
        r = b.get(path)
        assert r.status == 200 and r.headers["Cache-Control"] == "no-cache", path
    assert b.get("/static/../plugins.py").status in (403, 404)


def test_dashboard_carries_health_for_its_script(browser):
    data = boot_data(browser.get("/"))
    assert data["health"]["asterisk"] == "up" and data["user"] == {"username": "admin", "role": "admin", "extension": None}
    assert len(data["csrf"]) >= 32


# -- the catalogue ---------------------------------------------------------------------

def test_catalogues_have_the_same_keys_and_no_empty_strings():
    keys = {lang: set(CATALOGUES[lang]) for lang in LANGUAGES}
    assert keys["en"] == keys["zh"], keys["en"] ^ keys["zh"]
    for lang in LANGUAGES:
        assert all(v.strip() for v in CATALOGUES[lang].values()), lang
        for key, text in CATALOGUES[lang].items():
            # The same placeholders in both languages.
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", CATALOGUES["en"][key])), key


def used_keys() -> set[str]:
    keys = set()
    for tpl in (WEBUI / "views").glob("*.tpl"):
        keys |= set(re.findall(r"""_\(['"]([\w.]+)['"]\s*[,)]""", tpl.read_text()))
    for py in (WEBUI / "pages").glob("*.py"):
        text = py.read_text()
        keys |= set(re.findall(r"""\bt\(["']([\w.]+)["']\s*[,)]""", text))
        keys |= set(re.findall(r"""title_key=["']([\w.]+)["']""", text))
    for js in (WEBUI / "static" / "js").glob("*.js"):
        keys |= {"js." + k for k in re.findall(r"""\bt\(["']([\w.]+)["']\s*[,)]""", js.read_text())}
    return keys


def test_every_key_used_in_templates_pages_and_scripts_exists():
    used = used_keys()
    assert len(used) > 150
    missing = sorted(k for k in used if k not in CATALOGUES["en"])
    assert not missing


def test_every_key_built_at_run_time_exists():
    from appliance.destinations import KINDS as DESTINATION_KINDS
    from appliance.fax.receiver import STATUSES as FAX_STATUSES
    from appliance.users.service import ROLES
    from appliance.voicemail.greetings import KINDS
    from appliance.voicemail.spool import FOLDERS

    needed = [f"role.{r}" for r in ROLES] + [f"js.role.{r}" for r in ROLES] + [f"nav.group.{g.key}" for g in MENU]
    needed += [f"nav.{p.key}" for p in PAGES.values()]
    needed += [f"error.{c}" for c in (403, 404, 405, 500, "other")]
    needed += [f"js.dash.status_{s}" for s in ("ok", "degraded", "unknown")]
    needed += [f"js.live.{s}" for s in ("on", "off", "connecting")]
    needed += [f"js.vm.folder.{f}" for f in FOLDERS]
    needed += [f"js.vm.greeting.{k}" for k in KINDS] + [f"js.vm.greeting_hint.{k}" for k in KINDS]
    needed += [f"js.dest.kind.{k}" for k in DESTINATION_KINDS] + [f"js.rg.strategy.{s}" for s in ("ringall", "inorder")]
    needed += [f"js.audit.status.{s}" for s in ("pending", "applied", "rejected")]
    needed += [f"js.fax.status.{s}" for s in FAX_STATUSES]
    needed += [f"js.audit.op.{op}" for op in ("create", "update", "delete")]
    needed += [f"js.wiz.stage.{s}" for s in ("checking", "saving", "applying", "done")]
    needed += [f"js.wiz.role.{r}" for r in ("headquarters", "branch")] + ["js.wiz.network.up", "js.wiz.network.down"]
    needed += call_center_keys()
    needed += [key for key, _ in report_definition_keys()]
    # Keys a script hands to t() from a table ([key, value] pairs).
    for js in (WEBUI / "static" / "js").glob("*.js"):
        needed += ["js." + k for k in re.findall(r"""\[["']((?:sys|dash|wiz)\.[\w.]+)["'],""", js.read_text())]
    assert [k for k in needed if k not in CATALOGUES["en"]] == []


def report_definition_keys() -> list[tuple[str, str]]:
    """The catalogue keys the Reports page looks up for each definition the API gives, with its text."""
    from appliance.reports.reports import BUILDERS, COMMON_DEFINITIONS

    return [("js.rep.def." + (col if col == "period" else f"{name}.{col}"), text)
            for name, (_, definitions) in BUILDERS.items() for col, text in {**COMMON_DEFINITIONS, **definitions}.items()]


def test_report_definitions_in_the_catalogue_say_what_the_api_says():
    assert [key for key, text in report_definition_keys() if CATALOGUES["en"].get(key) != text] == []


def call_center_keys() -> list[str]:
    """Keys the call-center pages build from the API's words: states, strategies, outcomes, spy modes."""
    from appliance.callcenter.supervision import SPY_OPTIONS
    from appliance.queues.schema import RECORDING, STRATEGIES
    from appliance.reports.stats import OFFERED

    states = ("logged_out", "available", "ringing", "on_call", "wrapup", "paused")
    outcomes = OFFERED + ("called_back", "waiting")
    keys = [f"js.agent.state.{s}" for s in states] + [f"js.agent.phase.{p}" for p in ("ringing", "connected", "ended")]
    keys += [f"{prefix}q.strategy.{s}" for s in STRATEGIES for prefix in ("", "js.")]
    keys += [f"js.q.strategy_hint.{s}" for s in STRATEGIES]
    keys += [f"{prefix}q.recording.{r}" for r in RECORDING for prefix in ("", "js.")]
    keys += [f"{prefix}hist.outcome.{o}" for o in outcomes for prefix in ("", "js.")]
    keys += [f"js.wb.spy.{mode}" for mode in SPY_OPTIONS] + ["js.cust.imp.summary", "js.ext.imp.summary"]
    return keys


def test_translator_and_accept_language():
    zh = Translator("zh")
    assert zh("setup.step", step=1, steps=8) == "第 1 步，共 8 步"
    assert Translator("fr").lang == "en"
    assert json.dumps(zh.for_scripts(), ensure_ascii=False).count("js.") == 0
    assert from_accept_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert from_accept_language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert from_accept_language("fr-FR, zh;q=0.5, en;q=0.7") == "en"
    assert from_accept_language("fr, de") is None
    assert from_accept_language("zh;q=0, en;q=0.1") == "en"
    assert from_accept_language(None) is None


def test_language_chosen_before_sign_in_follows_the_user(web):
    b = Browser(web, accept_language="zh-CN,zh;q=0.9")
    b.get("/setup")
    assert "设置管理员密码" in b.get("/setup").body.decode()
    b.form("/setup", {"password": PASSWORD, "confirm": PASSWORD})
    assert web.sign_in(PASSWORD).get("/me").json["language"] == "zh"
    other = Browser(web)
    other.get("/login")
    other.form("/language", {"lang": "en", "next": "/login"})
    other.sign_in()
    assert web.get("/me").json["language"] == "en"
    assert "Dashboard" in other.get("/").body.decode()


def test_language_switch_comes_back_to_the_same_page(browser):
    page = browser.get("/voicemail?mailbox=8001").body.decode()
    assert 'name="next" value="/voicemail?mailbox=8001"' in page
