"""The order life cycle, as pure rules: which status may follow which, and what may be amended."""

FLOW = ("draft", "placed", "confirmed", "in_production", "shipped", "delivered")
CANCELLABLE = frozenset({"draft", "placed", "confirmed", "in_production"})
AMENDABLE = frozenset({"draft", "placed"})
HOLDS_CAPACITY = frozenset({"placed", "confirmed", "in_production", "shipped", "delivered"})


def can_move(current: str, wanted: str) -> bool:
    """Forward along FLOW (a draft only to placed; the ERP may skip steps it does not report), or to
    cancelled before shipping. Nothing leaves delivered or cancelled."""
    if wanted == "cancelled":
        return current in CANCELLABLE
    if current not in FLOW or wanted not in FLOW:
        return False
    if current == "draft":
        return wanted == "placed"
    return FLOW.index(wanted) > FLOW.index(current)
