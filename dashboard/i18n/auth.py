"""Catalogue of login, roles and the audit log."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "login.title": ("请登录", "Please sign in"),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.invalid": ("用户名或密码错误。", "Wrong user name or password."),
    "login.throttled": (
        "登录失败次数过多，请15分钟后再试。",
        "Too many failed sign-ins; try again in 15 minutes.",
    ),
    "login.demo_accounts": (
        "演示账号（仅限演示数据）：", "Demo accounts (demo data only):"
    ),
    "logout": ("退出", "Sign out"),
    "role.county": ("县级", "County"),
    "role.town": ("镇街", "Town"),
    "role.village": ("村社区", "Village"),
    "role.analyst": ("分析员", "Analyst"),
    "role.kiosk": ("大屏", "Kiosk"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.at": ("时间", "Time"),
    "audit.user": ("用户", "User"),
    "audit.action": ("操作", "Action"),
    "audit.ip": ("地址", "Address"),
    "audit.detail": ("详情", "Detail"),
    "audit.forbidden": ("仅县级用户可查看审计日志。", "Only county users can see the audit log."),
}
