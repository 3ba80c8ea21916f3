"""The login page: plain HTML served by Flask (it must work before any Dash request)."""

from __future__ import annotations

from html import escape

from dashboard.i18n import t


def render_login(lang: str, error: str | None, next_path: str,
                 demo_accounts: list[tuple[str, str, str]]) -> str:
    """The login form; ``demo_accounts`` (user, password, role) is shown only for demo data."""
    err = ""
    if error:
        message = escape(t(f"login.{error}", lang))
        err = f'<div class="alert alert-danger" role="alert">{message}</div>'
    demo = ""
    if demo_accounts:
        rows = "".join(
            f"<tr><td>{escape(u)}</td><td><code>{escape(p)}</code></td>"
            f"<td>{escape(t(f'role.{r}', lang))}</td></tr>" for u, p, r in demo_accounts)
        demo = (f'<div class="login-demo"><p>{escape(t("login.demo_accounts", lang))}</p>'
                f'<table class="table table-sm">{rows}</table></div>')
    other = "en" if lang == "zh" else "zh"
    submit, switch = escape(t("login.submit", lang)), escape(t("lang.switch", lang))
    switch_href = f"/login?lang={other}&amp;next={escape(next_path)}"
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t("login.title", lang))}</title>
<link rel="stylesheet" href="/assets/01-bootstrap-5.3.9.min.css">
<link rel="stylesheet" href="/assets/10-theme.css"></head>
<body class="login-body"><main class="login-card">
<h1 class="login-title">{escape(t("app.title", lang))}</h1>
<p class="login-sub">{escape(t("login.title", lang))}</p>{err}
<form method="post" action="/login">
<input type="hidden" name="next" value="{escape(next_path)}">
<label class="form-label" for="username">{escape(t("login.username", lang))}</label>
<input class="form-control form-control-lg mb-3" id="username" name="username"
 autocomplete="username" required autofocus>
<label class="form-label" for="password">{escape(t("login.password", lang))}</label>
<input class="form-control form-control-lg mb-4" id="password" name="password" type="password"
 autocomplete="current-password" required>
<button class="btn btn-primary btn-lg w-100" type="submit">{submit}</button>
</form>{demo}
<p class="login-lang"><a href="{switch_href}">{switch}</a></p>
</main></body></html>"""
