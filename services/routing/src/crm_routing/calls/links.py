"""Links to a call's resources, as answers and feeds give them."""


def screen_pop_url(call_id: str) -> str:
    return f"/v1/calls/{call_id}/screen-pop"
