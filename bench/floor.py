"""The floor of a page's server time in the same run: the cheapest page the same user opens.

The password form renders the same layout and menu, reads the session and the user, and touches
no registry, list or figure. A list page cannot cost less than it under the same load, so a
page's target (e.g. 50 ms) is judged against it: "page ms, floor ms, page minus floor".
"""

FLOOR_URL = "/accounts/password/"


def floor_ms(client, median_ms, repeat: int) -> float:
    assert client.get(FLOOR_URL).status_code == 200
    return median_ms(lambda: client.get(FLOOR_URL), repeat)
