"""Sign-in, sign-out, first-time setup and the language switch: the pages
that work before anyone is signed in."""

from __future__ import annotations

from bottle import request, response

from appliance.errors import Invalid, Unauthorized
from appliance.users import service as users
from appliance.users.ratelimit import TooManyAttempts
from appliance.wizard.service import ORDER as WIZARD_STEPS

from ..i18n import LANGUAGES
from ..plugins import (clear_session_cookie, client_address, hash_password, https, redirect, set_session_cookie,
                       signed_in, verify_password)
from .nav import ANYONE, home_for
from .render import LANG_COOKIE, check_form, render, safe_next, translator

# The administrator's password here, then the wizard's steps and its summary (/wizard).
SETUP_STEPS = 1 + len(WIZARD_STEPS) + 1


def install(app, box, limiter) -> None:
    def login_page(status=200, error=None, username="", retry_after=None):
        return render("login", title_key="login.title", status=status, error=error, username=username,
                      next=safe_next(request.params.getunicode("next"), ""), retry_after=retry_after)

    @app.get("/login", auth=False)
    def login_form():
        if not users.configured():
            redirect("/setup", 303)
        session = signed_in()
        if session is not None:
            redirect(safe_next(request.query.getunicode("next"), home_for(session.user.role)), 303)
        return login_page()

    @app.post("/login", auth=False)
    def login():
        check_form()
        t = translator()
        username = request.forms.getunicode("username") or ""
        password = request.forms.getunicode("password") or ""
        try:
            user, opened = users.sign_in(username.strip(), password, client_address(), limiter,
                                         verifier=verify_password)
        except TooManyAttempts as exc:
            response.set_header("Retry-After", str(exc.retry_after))
            return login_page(429, t("login.too_many", seconds=exc.retry_after), username, exc.retry_after)
        except (Unauthorized, Invalid):
            return login_page(401, t("login.wrong"), username)
        chosen = request.get_cookie(LANG_COOKIE)
        if chosen in LANGUAGES and chosen != user.language:
            users.set_language(user, chosen)  # the language picked on this page is the latest choice
        set_session_cookie(opened)
        redirect(safe_next(request.forms.getunicode("next"), home_for(user.role)), 303)

    @app.post("/logout", roles=ANYONE)
    def logout():
        users.close_session(request.environ["callbox.token"])
        clear_session_cookie()
        redirect("/login", 303)

    @app.get("/setup", auth=False)
    def setup_form():
        if users.configured():
            redirect("/login", 303)
        return render("setup", title_key="setup.title", step=1, steps=SETUP_STEPS, error=None, field=None)

    @app.post("/setup", auth=False)
    def setup():
        check_form()
        if users.configured():
            redirect("/login", 303)
        t = translator()
        password = request.forms.getunicode("password") or ""
        if password != (request.forms.getunicode("confirm") or ""):
            return render("setup", title_key="setup.title", step=1, steps=SETUP_STEPS, status=422,
                          error=t("setup.mismatch"), field="confirm")
        try:
            admin = users.setup(password, hasher=hash_password)
        except Invalid as exc:
            # The strength rules, said in the page's language.
            return render("setup", title_key="setup.title", step=1, steps=SETUP_STEPS, status=422,
                          error=t("setup.weak"), field="password")
        if t.lang != admin.language:
            users.set_language(admin, t.lang)  # the installer's language, from this page
        set_session_cookie(users.open_session(admin))
        redirect("/wizard", 303)

    @app.post("/language", auth=False)
    def choose_language():
        check_form()
        lang = request.forms.get("lang")
        if lang not in LANGUAGES:
            raise Invalid(f"lang: must be one of {', '.join(LANGUAGES)}", "lang")
        session = signed_in()
        if session is not None:
            users.set_language(session.user, lang)
        response.set_cookie(LANG_COOKIE, lang, path="/", max_age=365 * 86400, samesite="Lax", secure=https())
        redirect(safe_next(request.forms.getunicode("next")), 303)
