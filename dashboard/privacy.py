"""Masking of personal fields for callers without the personal-data permission."""

from __future__ import annotations


def mask_name(name: str | None) -> str | None:
    """Keep the surname: 张三 -> 张*, 欧阳娜娜 -> 欧***; Latin names keep the first letter."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str | None:
    """13812341234 -> 138****1234; short numbers keep only the last two digits."""
    if not phone:
        return phone
    digits = str(phone)
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:]
